/**
 * Training equals serving: for random request times, the training SQL over the batch source gives what serving
 * gives from tiles built out of the same events (those with t <= T, the ones that exist at T), folded by the
 * micro-batch partials in random batches and orders and merged as Redis merges them, for every function and window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StreamPartials } from '../../../src/engine/stream-partials.js';
import { streamTrainingSql } from '../../../src/engine/stream-training.js';
import { describeRelation, sourceRelation } from '../../../src/engine/sources.js';
import { literal } from '../../../src/engine/sql.js';
import { aggregationColumnName } from '../../../src/registry/features.js';
import { parseDuration } from '../../../src/registry/duration.js';
import type { AggregationFeature } from '../../../src/registry/schema.js';
import { secondsToMicros, tileSeconds } from '../../../src/registry/stream-tiles.js';
import { mergeTileStates, parseTileState, encodeTileState, type FeatureValue } from '../../../src/online/tile-codec.js';
import { windowValues } from '../../../src/online/tile-window.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { rng } from '../../helpers/prng.js';
import { STREAM_REPO, TX_TABLE } from './stream-fixture.js';

const SECOND = 1_000_000;
const T0 = Date.UTC(2024, 5, 1) * 1000;
const WINDOWS = ['5m', '30m', '2m'];
const FEATURES: AggregationFeature[] = [
  { name: 'n', function: 'count' },
  { name: 'n_amount', function: 'count', column: 'amount' },
  { name: 'purchases', function: 'count', filter: "kind = 'P'" },
  { name: 'total', function: 'sum', column: 'amount' },
  { name: 'p_avg', function: 'avg', column: 'amount', filter: "kind = 'P'" },
  { name: 'low', function: 'min', column: 'amount' },
  { name: 'high', function: 'max', column: 'amount' },
  { name: 'spread', function: 'stddev', column: 'amount', filter: 'amount > -20' },
  { name: 'merchants', function: 'count_distinct', column: 'merchant' },
  { name: 'big_merchants', function: 'count_distinct', column: 'merchant', filter: 'amount > 0' },
  { name: 'last_merchant', function: 'last', column: 'merchant' },
  { name: 'last_p_amount', function: 'last', column: 'amount', filter: "kind = 'P'" },
];
const MERCHANTS = ['a', 'b', 'ab', 'é', '\u{1F600}', '\uFF5E', 'x\x1fy', '"'];

interface Ev {
  card: number | null;
  micros: number;
  amount: number | null;
  merchant: string | null;
  kind: string;
}

let engine: TestEngine;

function generate(seed: number): { events: Ev[]; requests: Array<{ card: number; t: number }> } {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const events: Ev[] = [];
  for (let i = 0; i < 500; i++) {
    // Coarse times (whole seconds, some copied) make ties on event time and events on tile edges common.
    const micros = rand() < 0.2 && events.length > 0 ? (events[int(events.length)] as Ev).micros : T0 + int(3600) * SECOND;
    const amount = rand() < 0.15 ? null : rand() < 0.5 ? int(100) - 30 : Math.round((rand() * 130 - 30) * 1000) / 1000;
    events.push({ card: rand() < 0.02 ? null : 1 + int(4), micros, amount, merchant: rand() < 0.1 ? null : (MERCHANTS[int(MERCHANTS.length)] as string), kind: rand() < 0.6 ? 'P' : 'R' });
  }
  const requests = Array.from({ length: 40 }, (_, i) => {
    const edge = i % 4 === 0;
    // Some requests exactly at an event's time or on a tile edge, the rest anywhere (to the microsecond).
    const t = edge ? (events[int(events.length)] as Ev).micros : i % 4 === 1 ? T0 + int(70) * 60 * SECOND : T0 + int(3900 * SECOND);
    return { card: 1 + int(5), t };
  });
  return { events, requests };
}

const num = (v: number | null) => (v === null ? 'NULL' : String(v));
const str = (v: string | null) => (v === null ? 'NULL' : literal(v));

async function training(conn: DuckDBConnection, events: Ev[], requests: Array<{ card: number; t: number }>): Promise<Array<Record<string, unknown>>> {
  await conn.run('DELETE FROM tx');
  const values = events.map((e) => `(${num(e.card)}, ${num(e.amount)}, ${str(e.merchant)}, ${literal(e.kind)}, make_timestamptz(${e.micros}))`);
  await conn.run(`INSERT INTO tx VALUES ${values.join(', ')}`);
  const rows = requests.map((r, i) => `(${i}, ${r.card}, make_timestamptz(${r.t}))`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE req AS SELECT * FROM (VALUES ${rows.join(', ')}) t(__ff_row, card_id, t)`);
  const sql = streamTrainingSql({
    rows: 'req',
    timeColumn: 't',
    events: sourceRelation(engine.ctx, 'tx'),
    joinKeys: ['card_id'],
    timestampField: 'ts',
    features: FEATURES,
    windows: WINDOWS,
    windowMicros: WINDOWS.map((w) => secondsToMicros(parseDuration(w))),
    tileMicros: secondsToMicros(tileSeconds({ windows: WINDOWS })),
  });
  const reader = await conn.runAndReadAll(`${sql} ORDER BY __ff_row`);
  return reader.getRowObjectsJS();
}

/** What serving at T answers for `card` from tiles folded out of the events that exist at T. */
async function serving(partials: StreamPartials, events: Ev[], card: number, t: number, rand: () => number): Promise<FeatureValue[][]> {
  const existing = events.filter((e) => e.micros <= t).sort(() => rand() - 0.5);
  const fields: Record<string, string> = {};
  const cut = [Math.floor(rand() * existing.length), Math.floor(rand() * existing.length)].sort((a, b) => a - b);
  for (const batch of [existing.slice(0, cut[0]), existing.slice(cut[0], cut[1]), existing.slice(cut[1])]) {
    const ingested = batch.map((e) => ({ micros: e.micros, record: { card_id: e.card, amount: e.amount, merchant: e.merchant, kind: e.kind, ts: e.micros / 1000 } }));
    const { rows } = await partials.aggregate(ingested);
    for (const row of rows) {
      if (row.keyValues[0] !== BigInt(card)) continue;
      for (const [f, kind, text] of row.states) {
        const field = `${row.tile}:${f}`;
        const old = fields[field];
        fields[field] = old === undefined ? text : encodeTileState(mergeTileStates(parseTileState(kind, old), parseTileState(kind, text)));
      }
    }
  }
  const tileMicros = secondsToMicros(tileSeconds({ windows: WINDOWS }));
  const windowMicros = WINDOWS.map((w) => secondsToMicros(parseDuration(w)));
  return windowValues(fields, { kinds: FEATURES.map((f) => f.function), windowMicros, tileMicros }, t);
}

function same(served: FeatureValue, trained: unknown, fn: string): boolean {
  const value = typeof trained === 'bigint' ? Number(trained) : trained;
  if (typeof served === 'number' && typeof value === 'number' && ['sum', 'avg', 'stddev'].includes(fn)) {
    return Math.abs(served - value) <= 1e-9 * Math.max(1, Math.abs(value));
  }
  return served === value;
}

beforeAll(async () => {
  engine = await testEngine(STREAM_REPO, { tx: TX_TABLE });
});

afterAll(() => engine?.close());

describe('stream view training', () => {
  for (const seed of [1, 2, 3]) {
    it(`equals the values served from tiles of the same events, for every function and window (seed ${seed})`, async () => {
      const { events, requests } = generate(seed);
      await engine.ctx.db.withConnection(async (conn) => {
        const trained = await training(conn, events, requests);
        expect(trained).toHaveLength(requests.length);
        const columns = await describeRelation(conn, sourceRelation(engine.ctx, 'tx'));
        const tileMicros = secondsToMicros(tileSeconds({ windows: WINDOWS }));
        const partials = await StreamPartials.open(conn, { joinKeys: ['card_id'], features: FEATURES, timestampField: 'ts', tileMicros, columns });
        const rand = rng(seed * 7);
        let nonEmpty = 0;
        try {
          for (const [i, request] of requests.entries()) {
            const served = await serving(partials, events, request.card, request.t, rand);
            FEATURES.forEach((f, fi) =>
              WINDOWS.forEach((w, wi) => {
                const trainedValue = trained[i]?.[aggregationColumnName(f.name, w)];
                const servedValue = served[fi]?.[wi] ?? null;
                if (f.function === 'count' && servedValue !== 0) nonEmpty++;
                if (!same(servedValue, trainedValue, f.function)) {
                  throw new Error(`row ${i} (card ${request.card}, T ${request.t}) ${f.name}_${w}: served ${String(servedValue)}, trained ${String(trainedValue)}`);
                }
              }),
            );
          }
        } finally {
          partials.close();
        }
        // The comparison is not vacuous: most windows hold events.
        expect(nonEmpty).toBeGreaterThan(requests.length);
      });
    }, 60_000);
  }
});
