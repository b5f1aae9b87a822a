// POST /push and /write-to-online-store over real HTTP, the real Redis online store and real Parquet files:
// Feast's SDK body shape, newer-wins, TTL skips, no partial write of a bad request, and pushed offline rows seen
// point-in-time by historical retrieval.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { closeEngine, openEngine } from '../../../src/engine/context.js';
import { Database } from '../../../src/engine/database.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { pushedDir } from '../../../src/engine/pushed-files.js';
import { materializeView } from '../../../src/materialize/materialize-view.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';
import { request, type Answer } from '../../unit/api/http-client.js';
import { cleanupSharedPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

let dir: string;
let repo: Repo;
let store: RedisOnlineStore;
let api: ApiServer;
let base: string;
let keyPrefix: string;

const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString().replace('Z', '');
const push = (body: unknown): Promise<Answer> => request(base, 'POST', '/push', body);
const write = (body: unknown): Promise<Answer> => request(base, 'POST', '/write-to-online-store', body);

async function online(features: string[], ids: number[]): Promise<{ values: unknown[][]; statuses: string[][] }> {
  const res = await request(base, 'POST', '/get-online-features', { features, entities: { user_id: ids } });
  expect(res.status).toBe(200);
  const columns = res.json.results.slice(1) as Array<{ values: unknown[]; statuses: string[] }>;
  return { values: columns.map((c) => c.values), statuses: columns.map((c) => c.statuses) };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-push-'));
  keyPrefix = freshPrefix().replace(/:$/, '');
  repo = RepoSchema.parse({
    project: 'pushes',
    offlineStore: { path: 'offline' },
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [
      { name: 'history', type: 'file', path: 'history.parquet', createdTimestampField: 'created_timestamp' },
      { name: 'live', type: 'push', batchSource: 'history', createdTimestampField: 'created_timestamp' },
    ],
    featureViews: [
      { name: 'live_stats', entities: ['user'], source: 'live', ttl: '2d', schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'amount', dtype: 'float64' }] },
      { name: 'live_profile', entities: ['user'], source: 'live', schema: [{ name: 'country', dtype: 'string' }] },
      { name: 'live_archive', entities: ['user'], source: 'live', online: false, schema: [{ name: 'amount', dtype: 'float64' }] },
      { name: 'user_stats', entities: ['user'], source: 'history', schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'seen_at', dtype: 'timestamp' }, { name: 'tags', dtype: 'string[]' }] },
    ],
  });
  const db = await Database.open({ threads: 1 });
  try {
    await db.withConnection((c) =>
      c.run(`COPY (SELECT 7::BIGINT AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS event_timestamp,
                TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_timestamp, 1::BIGINT AS clicks, 1.0 AS amount, 'FR' AS country,
                NULL::TIMESTAMPTZ AS seen_at, ['h'] AS tags)
             TO '${path.join(dir, 'history.parquet')}' (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  api = createServer({ repo, store, repoDir: dir, logger: silentLogger });
  base = (await api.listen(0)).url;
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  await cleanupSharedPrefix(`${keyPrefix}:`);
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /write-to-online-store', () => {
  it("takes the body Feast's remote online store posts and serves the rows", async () => {
    // online_write_batch: join keys, transport values (timestamps as epoch seconds), naive ISO times, created or null.
    const res = await write({
      feature_view_name: 'user_stats',
      df: {
        user_id: [1, 2],
        clicks: [5, null],
        seen_at: [1714557600, null],
        tags: [['a', 'b'], []],
        event_timestamp: [hoursAgo(1), hoursAgo(2)],
        created: [hoursAgo(1), null],
      },
      allow_registry_cache: false,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ feature_view_name: 'user_stats', rows: 2, written: 2, skippedOlder: 0, skippedExpired: 0 });
    const got = await online(['user_stats:clicks', 'user_stats:seen_at', 'user_stats:tags'], [1, 2]);
    expect(got.values).toEqual([[5, null], ['2024-05-01T10:00:00.000000Z', null], [['a', 'b'], []]]);
  });

  it("takes the exact body Feast 0.67's RemoteOnlineStore.online_write_batch sent, created column included", async () => {
    // Recorded from Feast's own client (user_stats: Int64, UnixTimestamp and Array(String) features, a
    // created_timestamp_column), which Feast's own server answers with KeyError 'created_timestamp'.
    const recorded =
      '{"feature_view_name": "user_stats", "df": {"user_id": [41, 42], "clicks": [7, 8], "seen_at": [1714557600, 1714557601], ' +
      '"tags": [["a", "b"], []], "event_timestamp": ["2026-12-02T06:29:57", "2026-12-02T06:29:57"], ' +
      '"created": ["2026-12-02T06:29:57", null]}, "allow_registry_cache": false}';
    const res = await write(recorded);
    expect(res.json).toEqual({ feature_view_name: 'user_stats', rows: 2, written: 2, skippedOlder: 0, skippedExpired: 0 });
    const got = await online(['user_stats:clicks', 'user_stats:seen_at', 'user_stats:tags'], [41, 42]);
    expect(got.values).toEqual([[7, 8], ['2024-05-01T10:00:00.000000Z', '2024-05-01T10:00:01.000000Z'], [['a', 'b'], []]]);
  });

  it('refuses a view that is not online and one that does not exist', async () => {
    const off = await write({ feature_view_name: 'live_archive', df: {} });
    expect([off.status, off.json.error.code]).toEqual([404, 'VIEW_NOT_ONLINE']);
    const missing = await write({ feature_view_name: 'nope', df: {} });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('POST /push online', () => {
  const row = (id: number, clicks: number, eventTime: string, created: string | null) => ({
    push_source_name: 'live',
    df: { user_id: [id], clicks: [clicks], amount: [clicks / 2], country: ['DE'], event_timestamp: [eventTime], created_timestamp: [created] },
  });

  it('writes every online view of the push source, newer-wins, and an equal event time with a later created time replaces', async () => {
    const t = hoursAgo(3);
    const first = await push(row(10, 1, t, t));
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      push_source_name: 'live', to: 'online', rows: 1,
      views: { live_stats: { written: 1, skippedOlder: 0, skippedExpired: 0 }, live_profile: { written: 1, skippedOlder: 0, skippedExpired: 0 } },
    });
    const older = await push(row(10, 2, hoursAgo(4), null));
    expect(older.json.views.live_stats).toEqual({ written: 0, skippedOlder: 1, skippedExpired: 0 });
    const laterCreated = await push(row(10, 3, t, hoursAgo(0)));
    expect(laterCreated.json.views.live_stats).toEqual({ written: 1, skippedOlder: 0, skippedExpired: 0 });
    const sameAgain = await push(row(10, 4, t, hoursAgo(1)));
    expect(sameAgain.json.views.live_stats.skippedOlder).toBe(1);
    expect((await online(['live_stats:clicks'], [10])).values).toEqual([[3]]);
  });

  it('skips rows whose TTL ran out in views with a TTL only', async () => {
    const res = await push(row(11, 5, hoursAgo(72), null));
    expect(res.json.views).toEqual({
      live_stats: { written: 0, skippedOlder: 0, skippedExpired: 1 },
      live_profile: { written: 1, skippedOlder: 0, skippedExpired: 0 },
    });
  });

  it('writes nothing at all when one value of one row is bad, and names it', async () => {
    const res = await push({
      push_source_name: 'live',
      to: 'online_and_offline',
      df: { user_id: [20, 21, 22], clicks: [1, 2, 3], amount: [1, 2, 'abc'], country: ['A', 'B', 'C'], event_timestamp: [hoursAgo(1), hoursAgo(1), hoursAgo(1)] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: 'INVALID_REQUEST', message: 'invalid request: df.amount[2]: expected float64, got "abc"' });
    const got = await online(['live_stats:clicks', 'live_profile:country'], [20, 21, 22]);
    expect(got.statuses.flat()).toEqual(Array(6).fill('NOT_FOUND'));
    expect(existsSync(pushedDir(repo, dir, 'live'))).toBe(false);
  });

  it('answers 404 for an unknown push source and 400 for a source that is not one', async () => {
    const unknown = await push({ push_source_name: 'nope', df: {} });
    expect([unknown.status, unknown.json.error.message]).toEqual([404, 'unknown push source "nope"; push sources: live']);
    const notPush = await push({ push_source_name: 'history', df: {} });
    expect(notPush.status).toBe(400);
    expect(notPush.json.error.message).toContain('"history" is a file source, not a push source');
  });
});

describe('POST /push offline', () => {
  it('appends rows that historical retrieval then joins point-in-time, without touching the online store', async () => {
    const res = await push({
      push_source_name: 'live',
      to: 'offline',
      df: { user_id: [7], clicks: [70], amount: [7.5], country: ['IT'], event_timestamp: ['2024-01-05T00:00:00'], created_timestamp: [null], note: ['extra columns are ignored'] },
    });
    expect(res.status).toBe(200);
    expect(res.json.views).toEqual({});
    expect(res.json.offline.file).toMatch(/^pushed\/live\/\d+-\d+-[0-9a-f]+\.parquet$/);
    expect((await online(['live_stats:clicks'], [7])).statuses).toEqual([['NOT_FOUND']]);

    const engine = await openEngine(repo, dir, { threads: 1 });
    try {
      const times = ['2024-01-02T00:00:00Z', '2024-01-04T23:59:59Z', '2024-01-05T00:00:00Z', '2024-02-01T00:00:00Z'];
      const entities = times.map((t) => ({ user_id: 7, event_timestamp: new Date(t) }));
      const set = await getHistoricalFeatures(engine, { rows: entities }, ['live_stats:clicks', 'live_archive:amount', 'live_profile:country'], { fullFeatureNames: true });
      try {
        const rows = await set.toRows();
        expect(rows.map((r) => [r['live_stats__clicks'], r['live_archive__amount'], r['live_profile__country']])).toEqual([
          [1n, 1, 'FR'],
          // live_stats has a 2d TTL: the batch row is too old by now, and the pushed one is by February.
          [null, 1, 'FR'],
          [70n, 7.5, 'IT'],
          [null, 7.5, 'IT'],
        ]);
      } finally {
        set.close();
      }
    } finally {
      closeEngine(engine);
    }
  });

  it('feeds materialization by range: the pushed row is the latest of its range', async () => {
    const engine = await openEngine(repo, dir, { threads: 1 });
    try {
      const view = repo.featureViews.find((v) => v.name === 'live_profile')!;
      const result = await materializeView({ ctx: engine, store }, view, new Date('2024-01-04T00:00:00Z'), new Date('2024-01-06T00:00:00Z'));
      expect([result.rowsRead, result.keysWritten]).toEqual([1, 1]);
    } finally {
      closeEngine(engine);
    }
    expect((await online(['live_profile:country'], [7])).values).toEqual([['IT']]);
  });

  it('writes offline and online with online_and_offline, and counts rows per view and mode in /metrics', async () => {
    const res = await push({
      push_source_name: 'live',
      to: 'online_and_offline',
      df: { user_id: [30, 31], clicks: [1, 2], amount: [0.5, 1], country: ['A', 'B'], event_timestamp: [hoursAgo(1), hoursAgo(1)] },
    });
    expect(res.status).toBe(200);
    expect(res.json.views.live_stats.written).toBe(2);
    expect(res.json.offline.file).toMatch(/^pushed\/live\//);
    const metrics = (await request(base, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/featureflow_pushed_rows_total\{view="live_stats",mode="offline"\} 3\n/);
    expect(metrics).toMatch(/featureflow_pushed_rows_total\{view="live_archive",mode="offline"\} 3\n/);
    expect(metrics).toMatch(/featureflow_pushed_online_rows_total\{view="live_stats",result="skipped_expired"\} 1\n/);
    expect(metrics).toMatch(/featureflow_pushed_rows_total\{view="user_stats",mode="online"\} 4\n/);
  });

  it('is refused with 501 by a server started without the repo folder', async () => {
    const bare = createServer({ repo, store, logger: silentLogger });
    const url = (await bare.listen(0)).url;
    try {
      const res = await request(url, 'POST', '/push', {
        push_source_name: 'live', to: 'offline',
        df: { user_id: [1], clicks: [1], amount: [1], country: ['A'], event_timestamp: [hoursAgo(1)] },
      });
      expect([res.status, res.json.error.code]).toEqual([501, 'OFFLINE_STORE_NOT_CONFIGURED']);
    } finally {
      await bare.close();
    }
  });
});
