/**
 * How to get a micro-batch of stream events into DuckDB for the partials (src/engine/stream-partials.ts): per batch
 * of `--events` events (5 features: count, sum, filtered avg, count_distinct, last; ~2000 cards over 10 tiles) the
 * wall time of load + aggregate + read back, median of `--batches`, for
 *   json-param:       the batch as ONE VARCHAR parameter (a JSON array) typed by json_transform, prepared once
 *   json-appender:    one VARCHAR (the event's JSON) + BIGINT per event through the appender, then json_transform
 *   StreamPartials:   what the code does: json-param, the rows read as [keys, tile, states as codec texts]
 *   typed-appender:   every column typed in JS and appended value by value (needs the parsed events)
 * (the first three only read the rows back) plus the main-thread busy time of each (event loop utilization: JS and synchronous native calls), which the
 * ingest loop's event loop cannot use for anything else.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/partials-load.ts [--events 5000] [--batches 20]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, DuckDBTimestampTZValue, type DuckDBConnection } from '@duckdb/node-api';
import { eventStructure, jsonEventsSql, partialsSql, StreamPartials, typedEventsFrom, type StreamEvent, type StreamPartialsSpec } from '../../src/engine/stream-partials.js';
import { literal } from '../../src/engine/sql.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 5000);
const BATCHES = arg('batches', 20);
const WARMUP = 3;
const MINUTE = 60_000_000;
const T0 = Date.UTC(2026, 0, 1) * 1000;

const spec: StreamPartialsSpec = {
  joinKeys: ['card_id'],
  timestampField: 'ts',
  tileMicros: MINUTE,
  columns: new Map([
    ['card_id', 'BIGINT'],
    ['amount', 'DOUBLE'],
    ['merchant', 'VARCHAR'],
    ['kind', 'VARCHAR'],
    ['ts', 'TIMESTAMP WITH TIME ZONE'],
  ]),
  features: [
    { name: 'n', function: 'count' },
    { name: 'total', function: 'sum', column: 'amount' },
    { name: 'p_avg', function: 'avg', column: 'amount', filter: "kind = 'P'" },
    { name: 'merchants', function: 'count_distinct', column: 'merchant' },
    { name: 'last_amount', function: 'last', column: 'amount' },
  ],
};

interface Parsed {
  micros: number;
  json: string;
  record: { card_id: number; amount: number; merchant: string; kind: string; ts: string };
}

function batch(b: number): Parsed[] {
  return Array.from({ length: EVENTS }, (_, i) => {
    const micros = T0 + b * MINUTE + Math.floor((i / EVENTS) * 10 * MINUTE);
    const record = {
      card_id: (i * 7919 + b) % 2000,
      amount: Math.round(Math.random() * 50000) / 100,
      merchant: `m${(i * 31) % 300}`,
      kind: i % 3 === 0 ? 'R' : 'P',
      ts: new Date(micros / 1000).toISOString(),
    };
    return { micros, json: JSON.stringify(record), record };
  });
}

type Method = (conn: DuckDBConnection, events: Parsed[]) => Promise<{ rows: number }>;

async function methods(conn: DuckDBConnection): Promise<Record<string, Method>> {
  const partials = await StreamPartials.open(conn, spec);
  // Prepared: a parameter has no statistics, so DuckDB's stale-statistics grouping bug (stream-partials.ts) cannot bite.
  const fromParam = await conn.prepare(partialsSql(spec, jsonEventsSql(spec, '$1')));
  await conn.run('CREATE TEMP TABLE raw_events (j VARCHAR, m BIGINT)');
  // Not prepared: see stream-partials.ts (DuckDB plans GROUP BY keys with the statistics seen when prepared).
  const structure = literal(JSON.stringify(eventStructure(spec)));
  const fromRaw = partialsSql(spec, typedEventsFrom(spec, `(SELECT struct_pack(m := m, r := json_transform(j, ${structure})) AS __ff_x FROM raw_events) __ff_j`));
  await conn.run('CREATE TEMP TABLE typed_events (card_id BIGINT, amount DOUBLE, merchant VARCHAR, kind VARCHAR, ts TIMESTAMPTZ, __ff_micros BIGINT)');
  // Not prepared: see stream-partials.ts (DuckDB plans GROUP BY keys with the statistics seen when prepared).
  const fromTyped = partialsSql(spec, 'SELECT * FROM typed_events');
  return {
    'json-param': async (_c, events) => {
      fromParam.bindVarchar(1, `[${events.map((e) => `{"m":${e.micros},"r":${e.json}}`).join(',')}]`);
      const pending = fromParam.runAndReadAll();
      return { rows: (await pending).getRowObjectsJS().length };
    },
    'json-appender': async (c, events) => {
      await c.run('DELETE FROM raw_events');
      const appender = await c.createAppender('raw_events', 'main', 'temp');
      for (const e of events) {
        appender.appendVarchar(e.json);
        appender.appendBigInt(BigInt(e.micros));
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      return { rows: (await c.runAndReadAll(fromRaw)).getRowObjectsJS().length };
    },
    'StreamPartials': async (_c, events) => {
      const pending = partials.aggregate(events.map((e): StreamEvent => ({ micros: e.micros, json: e.json })));
      return { rows: (await pending).rows.length };
    },
    'typed-appender': async (c, events) => {
      await c.run('DELETE FROM typed_events');
      const appender = await c.createAppender('typed_events', 'main', 'temp');
      for (const { micros, record: r } of events) {
        appender.appendBigInt(BigInt(r.card_id));
        appender.appendDouble(r.amount);
        appender.appendVarchar(r.merchant);
        appender.appendVarchar(r.kind);
        appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(micros)));
        appender.appendBigInt(BigInt(micros));
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      return { rows: (await c.runAndReadAll(fromTyped)).getRowObjectsJS().length };
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  const all = await methods(conn);
  const batches = Array.from({ length: BATCHES + WARMUP }, (_, b) => batch(b));
  console.log(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${EVENTS} events/batch, ${BATCHES} batches`);
  for (const [name, run] of Object.entries(all)) {
    const wall: number[] = [];
    const sync: number[] = [];
    let rows = 0;
    for (const [b, events] of batches.entries()) {
      const start = performance.now();
      const elu = performance.eventLoopUtilization();
      const result = await run(conn, events);
      if (b < WARMUP) continue;
      wall.push(performance.now() - start);
      // Time the event loop was busy (JS and synchronous native calls on the main thread) during the batch.
      sync.push(performance.eventLoopUtilization(elu).active);
      rows = result.rows;
      const expected = new Set(events.map((e) => `${e.record.card_id}/${Math.floor(e.micros / MINUTE)}`)).size;
      if (result.rows !== expected) console.log(`  ${name}: batch ${b} gave ${result.rows} (card, tile) rows, expected ${expected}`);
    }
    const ms = median(wall);
    console.log(
      `${name.padEnd(15)} median ${ms.toFixed(1)} ms/batch (${Math.round((EVENTS / ms) * 1000).toLocaleString('en')} events/s), ` +
        `main thread busy ${median(sync).toFixed(1)} ms, ${rows} (card, tile) rows`,
    );
  }
  conn.closeSync();
  instance.closeSync();
}

await main();
