/**
 * A small feature repo on disk for workflow tests: a week of generated events (17 users, one every 97 s) in
 * Parquet, a computed view with an aggregation, a plain view, and one config per offline folder so a backfill and a
 * reference computation of the same data can be compared file set against file set.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { computedViewGlob, computedViewDir } from '../../../../src/engine/compute/index.js';
import { closeEngine, openEngine, type EngineContext } from '../../../../src/engine/context.js';
import { Database } from '../../../../src/engine/database.js';
import { literal } from '../../../../src/engine/sql.js';
import { loadValidatedRepo } from '../../../../src/registry/load.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../../helpers/redis.js';

export const DATA_START = '2024-01-01T00:00:00.000Z';
/** Events run to 2024-01-08T20:36:40Z (7,000 events x 97 s). */
export const EVENTS = 7000;

export interface TestRepo {
  dir: string;
  /** Redis key prefix of this repo (its online store), deleted by cleanup(). */
  keyPrefix: string;
  /** Config whose offline store is `offline-<name>` (created on first use). */
  config(name: string): string;
  engine(name: string): Promise<EngineContext>;
  /** Every computed row of `view` in config `name`, sorted, as JSON-friendly objects. */
  offlineRows(name: string, view: string): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
}

function repoJson(offline: string, keyPrefix: string): object {
  return {
    project: 'wf',
    offlineStore: { path: offline },
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: 'data/events.parquet', timestampField: 'event_timestamp' }],
    featureViews: [
      {
        name: 'user_txn',
        entities: ['user'],
        source: 'events',
        aggregation: {
          cadence: '6h',
          windows: ['6h', '1d'],
          features: [
            { name: 'txn_count', function: 'count' },
            { name: 'amount_sum', function: 'sum', column: 'amount' },
            { name: 'purchases', function: 'count', filter: "event_type = 'PURCHASE'" },
          ],
        },
      },
      {
        name: 'user_events',
        entities: ['user'],
        source: 'events',
        schema: [{ name: 'amount', dtype: 'float64' }],
      },
    ],
  };
}

export async function createTestRepo(): Promise<TestRepo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-wf-'));
  const keyPrefix = `${freshPrefix()}ff`;
  const db = await Database.open({ threads: 1, memoryLimit: '256MB' });
  try {
    const file = path.join(dir, 'data', 'events.parquet');
    mkdirSync(path.dirname(file), { recursive: true });
    await db.withConnection((c) =>
      c.run(`COPY (
        SELECT (i % 17) + 1 AS user_id,
               TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 97) AS event_timestamp,
               (i % 100) / 4.0 AS amount,
               CASE WHEN i % 3 = 0 THEN 'PURCHASE' ELSE 'VIEW' END AS event_type
        FROM range(0, ${EVENTS}) t(i)
      ) TO ${literal(file)} (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }
  const configs = new Map<string, string>();
  const engines: EngineContext[] = [];
  const config = (name: string): string => {
    let file = configs.get(name);
    if (!file) {
      file = path.join(dir, `featureflow-${name}.json`);
      writeFileSync(file, JSON.stringify(repoJson(`offline-${name}`, keyPrefix), null, 2));
      configs.set(name, file);
    }
    return file;
  };
  const engine = async (name: string): Promise<EngineContext> => {
    const { repo, repoDir } = await loadValidatedRepo(config(name));
    const ctx = await openEngine(repo, repoDir, { threads: 2, memoryLimit: '512MB' });
    engines.push(ctx);
    return ctx;
  };
  return {
    dir,
    keyPrefix,
    config,
    engine,
    async offlineRows(name, view) {
      const ctx = await engine(name);
      const glob = computedViewGlob(computedViewDir(ctx, view));
      return ctx.db.withConnection(async (c) => {
        const reader = await c.runAndReadAll(
          `SELECT * EXCLUDE (event_timestamp), strftime(event_timestamp, '%Y-%m-%dT%H:%M:%S') AS ts
           FROM read_parquet(${literal(glob)}) ORDER BY ALL`,
        );
        return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
      });
    },
    async cleanup() {
      for (const ctx of engines) closeEngine(ctx);
      const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      await cleanupPrefix(redis, keyPrefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
