/**
 * Random card transactions and request times for the training-equals-serving tests (unit: tiles merged in JS;
 * integration: tiles written through Redis), the repo they live in, and the training SQL's answer.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StreamEvent } from '../../src/engine/stream-partials.js';
import { streamTrainingSql } from '../../src/engine/stream-training.js';
import { sourceRelation } from '../../src/engine/sources.js';
import { literal } from '../../src/engine/sql.js';
import { parseDuration } from '../../src/registry/duration.js';
import { aggregationColumnName } from '../../src/registry/features.js';
import type { AggregationFeature } from '../../src/registry/schema.js';
import { secondsToMicros, tileSeconds } from '../../src/registry/stream-tiles.js';
import type { FeatureValue } from '../../src/online/tile-codec.js';
import type { TestEngine } from './engine.js';
import { rng } from './prng.js';

export const STREAM_REPO = {
  project: 'st',
  entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' as const }],
  sources: [
    { name: 'tx_batch', type: 'table' as const, table: 'tx', timestampField: 'ts' },
    {
      name: 'tx',
      type: 'stream' as const,
      timestampField: 'ts',
      batchSource: 'tx_batch',
      broker: { kind: 'nats' as const, stream: 'TX', subject: 'tx', durable: 'ff' },
    },
  ],
  featureViews: [],
};

/** An empty tx table with the column types a batch source of card transactions would have. */
export const TX_TABLE = `SELECT * FROM (VALUES (1::BIGINT, 1.5::DOUBLE, 'm'::VARCHAR, 'P'::VARCHAR, TIMESTAMPTZ '2024-01-01 00:00:00+00')) t(card_id, amount, merchant, kind, ts) LIMIT 0`;

const SECOND = 1_000_000;
const T0 = Date.UTC(2024, 5, 1) * 1000;
export const WINDOWS = ['5m', '30m', '2m'];
export const FEATURES: AggregationFeature[] = [
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

export interface Ev {
  card: number | null;
  micros: number;
  amount: number | null;
  merchant: string | null;
  kind: string;
}

export interface Request {
  card: number;
  t: number;
}

export function generate(seed: number): { events: Ev[]; requests: Request[] } {
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

/** The training SQL's rows for `requests` (in order) over `events` loaded into the engine's tx table. */
export async function training(
  engine: TestEngine,
  conn: DuckDBConnection,
  events: Ev[],
  requests: Request[],
): Promise<Array<Record<string, unknown>>> {
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
    windowMicros: WINDOW_MICROS,
    tileMicros: TILE_MICROS,
  });
  const reader = await conn.runAndReadAll(`${sql} ORDER BY __ff_row`);
  return reader.getRowObjectsJS();
}

export const TILE_MICROS = secondsToMicros(tileSeconds({ windows: WINDOWS }));
export const WINDOW_MICROS = WINDOWS.map((w) => secondsToMicros(parseDuration(w)));

/** The events as the ingest loop hands them to StreamPartials. */
export function ingested(events: readonly Ev[]): StreamEvent[] {
  return events.map((e) => ({ micros: e.micros, record: { card_id: e.card, amount: e.amount, merchant: e.merchant, kind: e.kind, ts: e.micros / 1000 } }));
}

/** Served equals trained: counts, min/max/last exactly, sums, avg and stddev within 1e-9 relative. */
export function same(served: FeatureValue, trained: unknown, fn: string): boolean {
  const value = typeof trained === 'bigint' ? Number(trained) : trained;
  if (typeof served === 'number' && typeof value === 'number' && ['sum', 'avg', 'stddev'].includes(fn)) {
    return Math.abs(served - value) <= 1e-9 * Math.max(1, Math.abs(value));
  }
  return served === value;
}

/** The events that exist at T, shuffled and cut into three batches at random (the ingest loop's micro-batches). */
export function batchesAt(events: readonly Ev[], t: number, rand: () => number): Ev[][] {
  const existing = events.filter((e) => e.micros <= t).sort(() => rand() - 0.5);
  const [a, b] = [Math.floor(rand() * existing.length), Math.floor(rand() * existing.length)].sort((x, y) => x - y) as [number, number];
  return [existing.slice(0, a), existing.slice(a, b), existing.slice(b)];
}

/**
 * Throws naming the first (feature, window) where served and trained differ; returns how many count windows held
 * events (so a caller can check the comparison was not vacuous).
 */
export function compareRow(row: number, request: Request, trained: Record<string, unknown> | undefined, served: FeatureValue[][]): number {
  let nonEmpty = 0;
  FEATURES.forEach((f, fi) =>
    WINDOWS.forEach((w, wi) => {
      const trainedValue = trained?.[aggregationColumnName(f.name, w)];
      const servedValue = served[fi]?.[wi] ?? null;
      if (f.function === 'count' && servedValue !== 0) nonEmpty++;
      if (!same(servedValue, trainedValue, f.function)) {
        throw new Error(`row ${row} (card ${request.card}, T ${request.t}) ${f.name}_${w}: served ${String(servedValue)}, trained ${String(trainedValue)}`);
      }
    }),
  );
  return nonEmpty;
}
