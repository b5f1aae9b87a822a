/**
 * The schedules benchmark's data and repo: EVENTS events over the HOURS hours before the current hour, for ENTITIES
 * users, with three float features, sorted by time (as event logs are). Generated with DuckDB under
 * bench/schedules/data/ (gitignored), again each run because its times are relative to now.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../src/engine/database.js';
import { literal } from '../../src/engine/sql.js';
import { redisUrl } from '../../src/devtools/redis-url.js';

export const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');
export const HOUR_MS = 3_600_000;

export async function generateEvents(events: number, entities: number, endMs: number, hours: number): Promise<string> {
  const file = path.join(DATA_DIR, 'events.parquet');
  mkdirSync(DATA_DIR, { recursive: true });
  const db = await Database.open({ threads: 2, memoryLimit: '2GB' });
  try {
    const start = new Date(endMs - hours * HOUR_MS).toISOString();
    const stepMicros = (hours * HOUR_MS * 1000) / events;
    await db.withConnection((c) =>
      c.run(`COPY (
        SELECT (hash(i) % ${entities})::BIGINT + 1 AS user_id,
               CAST(${literal(start)} AS TIMESTAMPTZ) + to_microseconds((i * ${stepMicros})::BIGINT) AS event_timestamp,
               (hash(i * 7) % 100000) / 100.0 AS amount,
               (hash(i * 11) % 1000) / 10.0 AS score,
               (hash(i * 13) % 500) / 5.0 AS latency_ms
        FROM range(${events}) t(i)
      ) TO ${literal(file)} (FORMAT parquet, ROW_GROUP_SIZE 122880)`),
    );
  } finally {
    db.close();
  }
  return file;
}

/** A config whose online store is under its own key prefix, so every run starts from an empty store. */
export function writeConfig(name: string, eventsFile: string, keyPrefix: string): string {
  const file = path.join(DATA_DIR, `featureflow-${name}.json`);
  const repo = {
    project: 'bench',
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: path.basename(eventsFile), timestampField: 'event_timestamp' }],
    featureViews: [
      {
        name: 'user_latest',
        entities: ['user'],
        source: 'events',
        ttl: '7d',
        schema: [
          { name: 'amount', dtype: 'float64' },
          { name: 'score', dtype: 'float64' },
          { name: 'latency_ms', dtype: 'float64' },
        ],
        schedule: { cron: '0 * * * *' },
      },
    ],
  };
  writeFileSync(file, JSON.stringify(repo, null, 2));
  return file;
}
