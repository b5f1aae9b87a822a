/**
 * The data of the materialization benchmarks (bench/materialize, bench/gate): ENTITIES x ROWS_PER_ENTITY rows of
 * 10 float64 features in one Parquet file, generated once and cached under bench/materialize/data, and the clean-up
 * of the keys a run wrote.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { Database } from '../../src/engine/database.js';
import { literal } from '../../src/engine/sql.js';
import { RepoSchema, type Repo } from '../../src/registry/schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

/** The cached Parquet file of `entities` x `rowsPerEntity` rows (user_id, event_timestamp, f0..f9). */
export async function materializeBenchData(entities: number, rowsPerEntity: number): Promise<string> {
  const dir = path.join(here, 'data');
  const file = path.join(dir, `stats-${entities}-${rowsPerEntity}.parquet`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const db = await Database.open({ threads: 2 });
  try {
    await db.withConnection((c) =>
      c.run(`COPY (SELECT (i % ${entities})::BIGINT AS user_id,
                          now() - to_seconds((hash(i) % 86400)::BIGINT) AS event_timestamp,
                          ${FEATURES.map((f, k) => `(hash(i * ${k + 3}) % 100000) / 100.0 AS ${f}`).join(', ')}
                   FROM range(${entities * rowsPerEntity}) t(i)) TO ${literal(file)} (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }
  return file;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function deletePrefixAt(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  try {
    await deletePrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** Redis' own CPU time so far (INFO cpu, user + sys), seconds. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** The bench's repo: one view of FEATURES float64 features over `file`, keyed by user_id, written under `prefix`. */
export function materializeBenchRepo(file: string, url: string, prefix: string): Repo {
  return RepoSchema.parse({
    project: 'bench',
    onlineStore: { url, keyPrefix: prefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'src', type: 'file', path: file }],
    featureViews: [{ name: 'stats', entities: ['user'], source: 'src', ttl: '7d', schema: FEATURES.map((name) => ({ name, dtype: 'float64' })) }],
  });
}
