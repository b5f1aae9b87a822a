/**
 * The backfill benchmark's data and repo: EVENTS events over 2024 (sorted by time, as event logs are, so a chunk's
 * time filter prunes Parquet row groups), 100k users, and one repo config per mode so each writes its own offline
 * folder. Generated with DuckDB's range(), once, under bench/backfill/data/ (gitignored).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../src/engine/database.js';
import { literal } from '../../src/engine/sql.js';

export const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');
const YEAR_SECONDS = 366 * 86_400; // 2024 is a leap year

export async function generateEvents(events: number): Promise<string> {
  const file = path.join(DATA_DIR, `events-${events}.parquet`);
  if (existsSync(file)) return file;
  mkdirSync(DATA_DIR, { recursive: true });
  const db = await Database.open({ threads: 2, memoryLimit: '2GB' });
  try {
    const step = YEAR_SECONDS / events;
    await db.withConnection((c) =>
      c.run(`COPY (
        SELECT (hash(i) % 100000)::BIGINT + 1 AS user_id,
               TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds((i * ${step} * 1e6)::BIGINT) AS event_timestamp,
               (hash(i * 7) % 100000) / 100.0 AS amount,
               CASE WHEN i % 4 = 0 THEN 'PURCHASE' ELSE 'VIEW' END AS event_type
        FROM range(${events}) t(i)
      ) TO ${literal(file)} (FORMAT parquet, ROW_GROUP_SIZE 122880)`),
    );
  } finally {
    db.close();
  }
  return file;
}

/** A repo config whose offline store is `offline-<mode>`, next to the data. */
export function writeConfig(mode: string, eventsFile: string): string {
  const file = path.join(DATA_DIR, `featureflow-${mode}.json`);
  const repo = {
    project: 'bench',
    offlineStore: { path: `offline-${mode}` },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: path.basename(eventsFile), timestampField: 'event_timestamp' }],
    featureViews: [
      {
        name: 'user_daily',
        entities: ['user'],
        source: 'events',
        aggregation: {
          cadence: '1d',
          windows: ['1d', '7d'],
          features: [
            { name: 'txn_count', function: 'count' },
            { name: 'amount_sum', function: 'sum', column: 'amount' },
            { name: 'purchases', function: 'count', filter: "event_type = 'PURCHASE'" },
          ],
        },
      },
    ],
  };
  writeFileSync(file, JSON.stringify(repo, null, 2));
  return file;
}
