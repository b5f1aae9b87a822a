/**
 * A repo whose events are recent (the last 72 hours, drawn from a seeded PRNG), so Schedules can backfill real past
 * hourly windows, with the rows kept in memory for a brute-force reference of what the online store must hold.
 * Created timestamps follow each event; some events are corrected (same event time, later created time, new value).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Database } from '../../../../src/engine/database.js';
import { literal } from '../../../../src/engine/sql.js';
import type { RepoInput } from '../../../../src/registry/schema.js';
import { rng } from '../../../helpers/prng.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../../helpers/redis.js';

export const HOUR_MS = 3_600_000;
export const USERS = 40;

export interface EventRow {
  userId: number;
  eventMs: number;
  createdMs: number;
  amount: number;
}

export interface RecentRepo {
  dir: string;
  keyPrefix: string;
  events: EventRow[];
  /** Writes a config for `project` with the given view overrides; returns its path. */
  config(project: string, view?: Record<string, unknown>, extra?: Partial<RepoInput>): string;
  /** user id -> amount of its latest (event, created) row with event < endMs, as materialization must leave it. */
  latestBefore(endMs: number): Map<number, number>;
  cleanup(): Promise<void>;
}

export async function createRecentRepo(nowMs: number, seed = 7): Promise<RecentRepo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-sched-'));
  const keyPrefix = `${freshPrefix()}ff`;
  const random = rng(seed);
  const events: EventRow[] = [];
  const startMs = Math.floor((nowMs - 72 * HOUR_MS) / 1000) * 1000;
  for (let userId = 1; userId <= USERS; userId++) {
    const count = Math.floor(random() * 12);
    for (let i = 0; i < count; i++) {
      const eventMs = startMs + Math.floor(random() * 72 * 3600) * 1000;
      const createdMs = eventMs + Math.floor(random() * 600) * 1000;
      events.push({ userId, eventMs, createdMs, amount: Math.round(random() * 10_000) / 100 });
      // A correction: the same event time, created later, with another value; it must win.
      if (random() < 0.15) events.push({ userId, eventMs, createdMs: createdMs + 60_000, amount: Math.round(random() * 10_000) / 100 });
    }
  }
  const csv = path.join(dir, 'events.csv');
  const iso = (ms: number) => new Date(ms).toISOString();
  writeFileSync(csv, ['user_id,event_timestamp,created_timestamp,amount', ...events.map((e) => `${e.userId},${iso(e.eventMs)},${iso(e.createdMs)},${e.amount}`)].join('\n'));
  const parquet = path.join(dir, 'data', 'events.parquet');
  mkdirSync(path.dirname(parquet), { recursive: true });
  const db = await Database.open({ threads: 1, memoryLimit: '256MB' });
  try {
    await db.withConnection((c) =>
      c.run(`COPY (
        SELECT user_id::BIGINT AS user_id, event_timestamp::TIMESTAMPTZ AS event_timestamp,
               created_timestamp::TIMESTAMPTZ AS created_timestamp, amount::DOUBLE AS amount
        FROM read_csv(${literal(csv)}, header = true, all_varchar = true)
      ) TO ${literal(parquet)} (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }

  return {
    dir,
    keyPrefix,
    events,
    config(project, view = {}, extra = {}) {
      const file = path.join(dir, `featureflow-${project}.json`);
      const repo: RepoInput = {
        project,
        offlineStore: { path: `offline-${project}` },
        onlineStore: { url: redisUrl(), keyPrefix },
        entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
        sources: [
          { name: 'events', type: 'file', path: 'data/events.parquet', timestampField: 'event_timestamp', createdTimestampField: 'created_timestamp' },
        ],
        featureViews: [
          {
            name: 'user_last',
            entities: ['user'],
            source: 'events',
            ttl: '7d',
            schema: [{ name: 'amount', dtype: 'float64' }],
            schedule: { cron: '0 * * * *' },
            ...view,
          },
        ],
        ...extra,
      };
      writeFileSync(file, JSON.stringify(repo, null, 2));
      return file;
    },
    latestBefore(endMs) {
      const best = new Map<number, EventRow>();
      for (const e of events) {
        if (e.eventMs >= endMs) continue;
        const b = best.get(e.userId);
        if (!b || e.eventMs > b.eventMs || (e.eventMs === b.eventMs && e.createdMs > b.createdMs)) best.set(e.userId, e);
      }
      return new Map([...best].map(([user, e]) => [user, e.amount]));
    },
    async cleanup() {
      const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      await cleanupPrefix(redis, keyPrefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
