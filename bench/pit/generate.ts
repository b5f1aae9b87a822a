/**
 * Generates the PIT benchmark data with DuckDB itself (fast, no JS rows): three feature views totalling
 * VIEW_ROWS rows with different keys (user, merchant, user x merchant) and an entity table of ENTITY_ROWS rows.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../../src/engine/sql.js';

export interface PitBenchData {
  dir: string;
  entities: string;
  views: { user_stats: string; merchant_stats: string; pair_stats: string };
}

export async function generatePitData(dir: string, entityRows: number, viewRows: number): Promise<PitBenchData> {
  const data: PitBenchData = {
    dir,
    entities: path.join(dir, 'entities.parquet'),
    views: {
      user_stats: path.join(dir, 'user_stats.parquet'),
      merchant_stats: path.join(dir, 'merchant_stats.parquet'),
      pair_stats: path.join(dir, 'pair_stats.parquet'),
    },
  };
  const marker = path.join(dir, `done-${entityRows}-${viewRows}`);
  if (existsSync(marker)) return data;
  mkdirSync(dir, { recursive: true });
  const users = 100_000;
  const merchants = 10_000;
  // One year of event times; created times a little after, with some duplicates on event time to exercise ties.
  const span = 365 * 86_400;
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    const copy = async (select: string, file: string): Promise<void> => {
      await conn.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
    };
    const ts = (seed: string) => `TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((hash(${seed}) % ${span})::BIGINT)`;
    const userRows = Math.round(viewRows * 0.5);
    const merchantRows = Math.round(viewRows * 0.3);
    const pairRows = viewRows - userRows - merchantRows;
    await copy(
      `SELECT (i % ${users})::BIGINT AS user_id, ${ts('i')} AS event_timestamp,
              ${ts('i')} + to_seconds((i % 7)::BIGINT) AS created_timestamp,
              (i % 1000)::BIGINT AS clicks, (hash(i * 3) % 10000) / 100.0 AS avg_amount
       FROM range(${userRows}) t(i)`,
      data.views.user_stats,
    );
    await copy(
      `SELECT (i % ${merchants})::BIGINT AS merchant_id, ${ts('i + 7')} AS event_timestamp,
              ${ts('i + 7')} AS created_timestamp, (hash(i) % 100)::DOUBLE / 100 AS fraud_rate
       FROM range(${merchantRows}) t(i)`,
      data.views.merchant_stats,
    );
    await copy(
      `SELECT (i % ${users})::BIGINT AS user_id, (hash(i) % ${merchants})::BIGINT AS merchant_id,
              ${ts('i + 13')} AS event_timestamp, ${ts('i + 13')} AS created_timestamp, (i % 50)::INTEGER AS txn_count
       FROM range(${pairRows}) t(i)`,
      data.views.pair_stats,
    );
    await copy(
      `SELECT (hash(i) % ${users})::BIGINT AS user_id, (hash(i + 1) % ${merchants})::BIGINT AS merchant_id,
              ${ts('i + 101')} AS event_timestamp, i % 2 = 0 AS label
       FROM range(${entityRows}) t(i)`,
      data.entities,
    );
    await conn.run(`COPY (SELECT 1) TO ${literal(marker)} (FORMAT csv)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return data;
}
