/**
 * Synthetic data for the demo repo, written by DuckDB: the last two weeks of card transactions (up to the start of
 * the current hour, so the online store has fresh values to serve), daily merchant statistics and labelled
 * transactions to build a training set for. Values are hash-based, so only the dates move between runs.
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

export async function writeDemoData(dataDir: string): Promise<DemoFiles> {
  const files: DemoFiles = {
    transactions: path.join(dataDir, 'transactions.parquet'),
    merchantDaily: path.join(dataDir, 'merchant_daily.csv'),
    labels: path.join(dataDir, 'labels.csv'),
  };
  mkdirSync(dataDir, { recursive: true });
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  const startMs = now.getTime() - 14 * 86_400_000;
  const db = await Database.open({ threads: 2 });
  try {
    await db.withConnection(async (conn) => {
      const start = `CAST(${literal(new Date(startMs).toISOString())} AS TIMESTAMPTZ)`;
      await conn.run(`COPY (
          SELECT (hash(i) % 200)::BIGINT AS user_id,
                 (hash(i * 7) % 40)::BIGINT AS merchant_id,
                 round(5 + (hash(i * 13) % 20000) / 100.0, 2) AS amount,
                 CASE WHEN hash(i * 3) % 10 < 7 THEN 'PURCHASE' ELSE 'REFUND' END AS event_type,
                 ${start} + to_seconds((hash(i * 31) % (14 * 86400))::BIGINT) AS event_timestamp,
                 ${start} + to_seconds((hash(i * 31) % (14 * 86400))::BIGINT + 30) AS created_timestamp
          FROM range(20000) t(i)) TO ${literal(files.transactions)} (FORMAT parquet)`);
      await conn.run(`COPY (
          SELECT m AS merchant_id, ${start} + to_days(d::INTEGER + 1) AS event_timestamp,
                 round((hash(m * 100 + d) % 500) / 10000.0, 4) AS fraud_rate,
                 (50 + hash(m + d) % 100)::BIGINT AS txn_count_1d
          FROM range(40) a(m), range(14) b(d)) TO ${literal(files.merchantDaily)} (FORMAT csv, HEADER true)`);
      await conn.run(`COPY (
          SELECT user_id, merchant_id, event_timestamp, amount, hash(user_id * 17 + merchant_id) % 50 = 0 AS is_fraud
          FROM read_parquet(${literal(files.transactions)}) USING SAMPLE reservoir(1000 ROWS) REPEATABLE (7)
          ORDER BY event_timestamp) TO ${literal(files.labels)} (FORMAT csv, HEADER true)`);
    });
  } finally {
    db.close();
  }
  return files;
}
