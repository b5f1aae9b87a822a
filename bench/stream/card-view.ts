/**
 * The stream benches' view and its ingest wiring: card transactions (card_id, amount, merchant, ts) aggregated per
 * card by count, sum, avg, count_distinct and max over 5m and 1h (1-minute tiles), ingested by the real loop
 * (runStreamIngest) with the production partials and sink (TilePartials, RedisTileSink) that src/stream/run.ts wires,
 * without the registry and the worker around them.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { Redis } from 'ioredis';
import type { StreamPartialsSpec } from '../../src/engine/stream-partials.js';
import { encodeEntityKey, streamTilesKey } from '../../src/online/keys.js';
import { readStreamTiles, windowValues, type TileRow, type WindowSpec } from '../../src/online/stream-tiles.js';
import type { FeatureValue, TileKind } from '../../src/online/tile-codec.js';
import type { AggregationFeature } from '../../src/registry/schema.js';
import { retainedTiles } from '../../src/registry/stream-tiles.js';
import { runStreamIngest, type StreamProgress } from '../../src/stream/ingest.js';
import { RedisTileSink } from '../../src/stream/redis-tile-sink.js';
import { TilePartials } from '../../src/stream/tile-partials.js';
import type { BrokerReader } from '../../src/stream/types.js';

export const PROJECT = 'bench';
export const VIEW = 'card_tx';
const MINUTE_MICROS = 60_000_000;
export const WINDOWS_S = [300, 3600] as const;
const LATENESS_S = 60;
/** Tiles a card keeps: the 1h window, the lateness and slack (as the registry derives them). */
export const RETAIN_TILES = retainedTiles([...WINDOWS_S], LATENESS_S, 60);

const ALL_FEATURES: AggregationFeature[] = [
  { name: 'tx_count', function: 'count' },
  { name: 'amount_sum', function: 'sum', column: 'amount' },
  { name: 'amount_avg', function: 'avg', column: 'amount' },
  { name: 'merchants', function: 'count_distinct', column: 'merchant' },
  { name: 'amount_max', function: 'max', column: 'amount' },
];
/** STREAM_BENCH_FEATURES=tx_count,amount_sum keeps only those (to see what one function costs). */
const only = process.env.STREAM_BENCH_FEATURES?.split(',');
export const FEATURES = only ? ALL_FEATURES.filter((f) => only.includes(f.name)) : ALL_FEATURES;
export const KINDS: TileKind[] = FEATURES.map((f) => f.function);

export const SPEC: StreamPartialsSpec = {
  joinKeys: ['card_id'],
  timestampField: 'ts',
  tileMicros: MINUTE_MICROS,
  columns: new Map([
    ['card_id', 'BIGINT'],
    ['amount', 'DOUBLE'],
    ['merchant', 'VARCHAR'],
    ['ts', 'TIMESTAMP WITH TIME ZONE'],
  ]),
  features: FEATURES,
};

export const WINDOW_SPEC: WindowSpec = { kinds: KINDS, windowMicros: WINDOWS_S.map((s) => s * 1_000_000), tileMicros: MINUTE_MICROS };

export interface CardEvent {
  card_id: number;
  amount: number;
  merchant: string;
  ts: string;
  /** Publish time (epoch ms), for the latency bench; not a column of the view. */
  sent?: number;
}

/** A deterministic, skewed card transaction: a few busy cards, a long tail, amounts like card payments. */
export function cardEvent(i: number, cards: number, tsMs: number): CardEvent {
  const r = Math.sin(i * 12.9898) * 43758.5453;
  const u = r - Math.floor(r);
  return {
    card_id: Math.floor(u * u * cards),
    amount: Math.round((5 + u * 400) * 100) / 100,
    merchant: `m${(i * 7919) % 500}`,
    ts: new Date(tsMs).toISOString(),
  };
}

export function tileKey(prefix: string, card: number): string {
  return streamTilesKey(prefix, PROJECT, VIEW, encodeEntityKey([card], ['int64'], ['card_id']));
}

/** The view's values for a few cards at `atMicros`: values[card][feature][window]. */
export async function readCards(redis: Redis, prefix: string, cards: readonly number[], atMicros: number): Promise<FeatureValue[][][]> {
  const hashes = await readStreamTiles(redis, cards.map((c) => tileKey(prefix, c)));
  return hashes.map((h) => windowValues(h, WINDOW_SPEC, atMicros));
}

export interface IngestRun {
  done: Promise<StreamProgress>;
  stop(): void;
}

/** Starts the ingest loop of the bench view under `prefix`; `onProgress` sees every batch written. */
export async function startIngest(
  redis: Redis,
  prefix: string,
  reader: BrokerReader,
  options: { batchMax?: number; waitMs?: number; onProgress?: (p: StreamProgress) => void },
): Promise<IngestRun> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const rules = { joinKeys: SPEC.joinKeys, timestampField: 'ts', allowedLatenessMicros: LATENESS_S * 1_000_000 };
  const partials = await TilePartials.open(conn, { ...SPEC, keyTypes: ['int64'], rules }, SPEC.columns);
  const sink = new RedisTileSink(redis, { prefix, project: PROJECT, view: VIEW }, { kinds: KINDS, retainTiles: RETAIN_TILES, tileMs: 60_000, tileMicros: MINUTE_MICROS, rules });
  const controller = new AbortController();
  const done = runStreamIngest<TileRow>({
    view: VIEW,
    rules,
    reader,
    sink,
    partials,
    signal: controller.signal,
    ...(options.batchMax !== undefined ? { batchMax: options.batchMax } : {}),
    ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }).finally(() => {
    partials.close();
    conn.closeSync();
    instance.closeSync();
  });
  return { done, stop: () => controller.abort() };
}
