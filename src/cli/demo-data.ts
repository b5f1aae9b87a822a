/**
 * Synthetic data for the demo repo, written by DuckDB: card transactions up to the start of the current hour (so
 * the online store has fresh values to serve), daily merchant statistics and labelled transactions to build a
 * training set for. Values are hash-based (a fixed seed), so only the dates move between runs.
 *
 * Two scales: `full` (the default demo: ~1M transactions over 90 days, 5,000 card holders, 200 merchants, 10,000
 * labels) and `small` (20,000 transactions over 14 days, for a quick look and for tests).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Database } from '../engine/database.js';
import { literal } from '../engine/sql.js';

export interface DemoFiles {
  transactions: string;
  merchantDaily: string;
  labels: string;
}

export type DemoScale = 'full' | 'small';

export interface DemoSize {
  transactions: number;
  days: number;
  users: number;
  merchants: number;
  labels: number;
}

export const DEMO_SIZES: Readonly<Record<DemoScale, DemoSize>> = {
  full: { transactions: 1_000_000, days: 90, users: 5000, merchants: 200, labels: 10_000 },
  small: { transactions: 20_000, days: 14, users: 200, merchants: 40, labels: 1000 },
};

export async function writeDemoData(dataDir: string, scale: DemoScale = 'full'): Promise<DemoFiles> {
  const size = DEMO_SIZES[scale];
  const files: DemoFiles = {
    transactions: path.join(dataDir, 'transactions.parquet'),
    merchantDaily: path.join(dataDir, 'merchant_daily.csv'),
    labels: path.join(dataDir, 'labels.csv'),
  };
  mkdirSync(dataDir, { recursive: true });
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  const startMs = now.getTime() - size.days * 86_400_000;
  const db = await Database.open({ threads: 2 });
  try {
    await db.withConnection(async (conn) => {
      const start = `CAST(${literal(new Date(startMs).toISOString())} AS TIMESTAMPTZ)`;
      const seconds = size.days * 86_400;
      // Each card holder shops at a handful of merchants of their own (so the user x merchant view has history to
      // aggregate); amounts are skewed, a few merchants refund far more than others. Over the last 3 days amounts
      // are 2.5 times higher (a planted price change), which the demo's drift report catches.
      await conn.run(`COPY (
          SELECT user_id,
                 ((user_id * 13 + hash(i * 7) % 5) % ${size.merchants})::BIGINT AS merchant_id,
                 round((5 + pow((hash(i * 13) % 10000) / 10000.0, 3) * 400)
                       * CASE WHEN hash(i * 31) % ${seconds} >= ${seconds - 3 * 86_400} THEN 2.5 ELSE 1 END, 2) AS amount,
                 CASE WHEN hash(i * 3) % 100 < 4 + (user_id * 13 % ${size.merchants}) % 7 THEN 'REFUND' ELSE 'PURCHASE' END AS event_type,
                 ${start} + to_seconds((hash(i * 31) % ${seconds})::BIGINT) AS event_timestamp,
                 ${start} + to_seconds((hash(i * 31) % ${seconds})::BIGINT + 30) AS created_timestamp
          FROM (SELECT i, (hash(i) % ${size.users})::BIGINT AS user_id FROM range(${size.transactions}) t(i))
          ORDER BY event_timestamp) TO ${literal(files.transactions)} (FORMAT parquet)`);
      await conn.run(`COPY (
          SELECT m AS merchant_id, ${start} + to_days(d::INTEGER + 1) AS event_timestamp,
                 round((hash(m * 100 + d) % 500) / 10000.0, 4) AS fraud_rate,
                 (50 + hash(m + d) % 100)::BIGINT AS txn_count_1d
          FROM range(${size.merchants}) a(m), range(${size.days}) b(d)) TO ${literal(files.merchantDaily)} (FORMAT csv, HEADER true)`);
      await conn.run(`COPY (
          SELECT user_id, merchant_id, event_timestamp, amount,
                 (hash(user_id * 17 + merchant_id) % 50 = 0 OR (amount > 300 AND hash(user_id) % 7 = 0)) AS is_fraud
          FROM read_parquet(${literal(files.transactions)}) USING SAMPLE reservoir(${size.labels} ROWS) REPEATABLE (7)
          ORDER BY event_timestamp) TO ${literal(files.labels)} (FORMAT csv, HEADER true)`);
    });
  } finally {
    db.close();
  }
  return files;
}
