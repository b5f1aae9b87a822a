/**
 * A repo on disk for tests of the real stream ingestion (crash test, end-to-end through Temporal): card
 * transactions on a stream source (the broker given), whose batch source is a Parquet file holding the same events,
 * and one stream view with exact functions (counts, integer sums, min, max, count_distinct). Also what the tiles
 * should hold: the same aggregates computed by DuckDB over the Parquet file, and the served values read back from
 * Redis with readStreamTiles + windowValues.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Redis } from 'ioredis';
import { literal } from '../../src/engine/sql.js';
import { encodeEntityKey, streamStateKey, streamTilesKey } from '../../src/online/keys.js';
import { readStreamTiles, windowValues } from '../../src/online/stream-tiles.js';
import type { FeatureValue } from '../../src/online/tile-codec.js';
import { RepoSchema } from '../../src/registry/schema.js';
import type { Broker } from '../../src/registry/stream-schema.js';
import { streamViewPlan } from '../../src/stream/view-plan.js';

export const INGEST_PROJECT = 'sti';
export const INGEST_VIEW = 'card_tx';
export const INGEST_WINDOWS = ['10m', '1h'];
/** Functions whose values are exact (integer amounts): served must equal the batch computation to the bit. */
export const INGEST_FEATURES = [
  { name: 'n', function: 'count' },
  { name: 'n_amount', function: 'count', column: 'amount' },
  { name: 'big', function: 'count', filter: 'amount >= 500' },
  { name: 'total', function: 'sum', column: 'amount' },
  { name: 'low', function: 'min', column: 'amount' },
  { name: 'high', function: 'max', column: 'amount' },
  { name: 'merchants', function: 'count_distinct', column: 'merchant' },
] as const;

export interface TxEvent {
  card_id: number;
  amount: number | null;
  merchant: string;
  ts: string;
}

export interface IngestRepo {
  dir: string;
  config: string;
  keyPrefix: string;
  parquet: string;
  cleanup(): void;
}

/** The repo's definition (featureflow.json). */
export function ingestRepoDefinition(broker: Broker, keyPrefix: string, redisUrl: string) {
  return {
    project: INGEST_PROJECT,
    offlineStore: { path: 'offline' },
    onlineStore: { url: redisUrl, keyPrefix },
    entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' as const }],
    sources: [
      { name: 'tx_batch', type: 'file' as const, path: 'data/tx.parquet', timestampField: 'ts' },
      { name: 'tx', type: 'stream' as const, timestampField: 'ts', batchSource: 'tx_batch', allowedLateness: '1h', broker },
    ],
    featureViews: [
      { name: INGEST_VIEW, entities: ['card'], source: 'tx', aggregation: { cadence: '1m', windows: INGEST_WINDOWS, features: [...INGEST_FEATURES] } },
    ],
  };
}

/** Writes featureflow.json and data/tx.parquet (the events, typed BIGINT / BIGINT / VARCHAR / TIMESTAMPTZ). */
export async function writeIngestRepo(options: { broker: Broker; keyPrefix: string; redisUrl: string; events: readonly TxEvent[] }): Promise<IngestRepo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-stream-ingest-'));
  const parquet = path.join(dir, 'data', 'tx.parquet');
  const json = path.join(dir, 'tx.ndjson');
  writeFileSync(json, options.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    mkdirSync(path.join(dir, 'data'));
    await conn.run(
      `COPY (SELECT card_id, amount, merchant, ts FROM read_json(${literal(json)}, format = 'newline_delimited',
         columns = {card_id: 'BIGINT', amount: 'BIGINT', merchant: 'VARCHAR', ts: 'TIMESTAMPTZ'})) TO ${literal(parquet)} (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(json, { force: true });
  }
  const repo = ingestRepoDefinition(options.broker, options.keyPrefix, options.redisUrl);
  const config = path.join(dir, 'featureflow.json');
  writeFileSync(config, JSON.stringify(repo, null, 2));
  return { dir, config, keyPrefix: options.keyPrefix, parquet, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One row per card: the features over every event of the Parquet file, in INGEST_FEATURES order (numbers). */
export async function batchAggregates(parquet: string): Promise<Map<number, FeatureValue[]>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(
      `SELECT card_id, count(*), count(amount), count(*) FILTER (WHERE amount >= 500), sum(amount), min(amount), max(amount),
         count(DISTINCT merchant) FROM read_parquet(${literal(parquet)}) GROUP BY card_id`,
    );
    const out = new Map<number, FeatureValue[]>();
    for (const row of reader.getRowsJS()) {
      out.set(Number(row[0]), row.slice(1).map((v) => (v === null ? null : Number(v))));
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The view's stored state hash (streamStateKey). */
export function ingestStateKey(keyPrefix: string): string {
  return streamStateKey(keyPrefix, INGEST_PROJECT, INGEST_VIEW);
}

/** Served values per card at `atMicros`: values[feature][window], read from the tiles as serving reads them. */
export async function servedValues(redis: Redis, keyPrefix: string, cards: readonly number[], atMicros: number): Promise<Map<number, FeatureValue[][]>> {
  const broker: Broker = { kind: 'nats', url: 'nats://127.0.0.1:4222', stream: 'X', subject: 'x', durable: 'x' };
  const plan = streamViewPlan(RepoSchema.parse(ingestRepoDefinition(broker, keyPrefix, 'redis://127.0.0.1:6379')), INGEST_VIEW);
  const keys = cards.map((card) => streamTilesKey(keyPrefix, INGEST_PROJECT, INGEST_VIEW, encodeEntityKey([card], plan.keyTypes, plan.joinKeys)));
  const tiles = await readStreamTiles(redis, keys);
  const spec = { kinds: plan.kinds, windowMicros: plan.windowMicros, tileMicros: plan.tileMicros };
  return new Map(cards.map((card, i) => [card, windowValues(tiles[i] ?? {}, spec, atMicros)]));
}
