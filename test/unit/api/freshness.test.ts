// GET /freshness and the freshness gauges of /metrics, over real HTTP with the in-memory store: computed on the
// spot from the watermarks (no check needs to have run), errors in the API's shape, and a scrape that survives a
// Redis outage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { freshnessRepoInput } from '../freshness/freshness-repo.js';
import { request } from './http-client.js';

const store = new FakeOnlineStore();
let api: ApiServer;
let url: string;
const HOUR = 3_600_000;
const iso = (msAgo: number): string => new Date(Date.now() - msAgo).toISOString();
const lastMaterialized = iso(10 * 60_000);

beforeAll(async () => {
  store.watermarks.set('shop|user_stats', { end: iso(0), at: lastMaterialized, newestEvent: iso(3 * HOUR) });
  store.watermarks.set('shop|merchant_stats', { end: iso(0), at: iso(60_000), newestEvent: iso(60_000) });
  store.alerts.set('shop|user_stats', { status: 'stale', at: '2024-05-01T00:00:00.000Z' });
  api = createServer({ repo: RepoSchema.parse(freshnessRepoInput()), store, logger: silentLogger, limits: { storeTimeoutMs: 300 } });
  url = (await api.listen(0)).url;
});

afterAll(async () => {
  await api.close();
});

afterEach(() => {
  store.failure = undefined;
});

describe('GET /freshness', () => {
  it('answers every online view with its status, staleness, SLA and last alert', async () => {
    const before = Date.now();
    const res = await request(url, 'GET', '/freshness');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json.project).toBe('shop');
    const checkedAt = Date.parse(res.json.checkedAt);
    expect(checkedAt).toBeGreaterThanOrEqual(before);
    expect(res.json.views.map((v: { view: string; status: string }) => [v.view, v.status])).toEqual([
      ['user_stats', 'stale'],
      ['user_profile', 'unknown'],
      ['merchant_stats', 'fresh'],
      ['pair_stats', 'unknown'],
    ]);
    const userStats = res.json.views[0];
    expect(userStats).toMatchObject({
      maxStalenessSeconds: 3600,
      lastMaterializedAt: lastMaterialized,
      checkedAt: res.json.checkedAt,
      lastAlert: { status: 'stale', at: '2024-05-01T00:00:00.000Z' },
    });
    expect(userStats.stalenessSeconds).toBe((checkedAt - Date.parse(userStats.newestEventTime)) / 1000);
    expect(Object.keys(userStats).sort()).toEqual([
      'checkedAt',
      'lastAlert',
      'lastMaterializedAt',
      'maxStalenessSeconds',
      'newestEventTime',
      'sinceLastMaterializationSeconds',
      'stalenessSeconds',
      'status',
      'view',
    ]);
  });

  it('answers only the views asked for, in that order', async () => {
    const res = await request(url, 'GET', '/freshness?views=merchant_stats,user_stats');
    expect(res.json.views.map((v: { view: string }) => v.view)).toEqual(['merchant_stats', 'user_stats']);
    const repeated = await request(url, 'GET', '/freshness?views=pair_stats&views=user_stats');
    expect(repeated.json.views.map((v: { view: string }) => v.view)).toEqual(['pair_stats', 'user_stats']);
  });

  it('answers an unknown view 404 NOT_FOUND, an offline one 404 VIEW_NOT_ONLINE, an empty name 400', async () => {
    const unknown = await request(url, 'GET', '/freshness?views=user_stat');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('unknown feature view "user_stat"') });
    const offline = await request(url, 'GET', '/freshness?views=archive');
    expect(offline.status).toBe(404);
    expect(offline.json.error.code).toBe('VIEW_NOT_ONLINE');
    const empty = await request(url, 'GET', '/freshness?views=user_stats,');
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^views: /) });
  });

  it('answers 503 while Redis is down, and a wrong method 405', async () => {
    store.unavailable();
    const down = await request(url, 'GET', '/freshness');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(down.json.error.code).toBe('ONLINE_STORE_UNAVAILABLE');
    store.failure = undefined;
    const post = await request(url, 'POST', '/freshness', {});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

describe('/metrics freshness gauges', () => {
  it('gives each materialized view its staleness and last success, and the SLA where one is declared', async () => {
    const res = await request(url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    const staleness = Number(/^featureflow_feature_view_staleness_seconds\{view="user_stats"\} (\S+)$/m.exec(res.text)?.[1]);
    expect(staleness).toBeGreaterThanOrEqual(3 * 3600);
    expect(res.text).toContain(`featureflow_feature_view_last_materialized_timestamp_seconds{view="user_stats"} ${Date.parse(lastMaterialized) / 1000}`);
    expect(res.text).toMatch(/^featureflow_feature_view_staleness_seconds\{view="merchant_stats"\} \S+$/m);
    expect(res.text).toContain('featureflow_feature_view_max_staleness_seconds{view="user_stats"} 3600');
    expect(res.text).not.toContain('view="pair_stats"');
    expect(res.text).not.toContain('view="archive"');
  });

  it('still renders while Redis is down, with the store error counted', async () => {
    const errorsBefore = Number(/^featureflow_online_store_errors_total (\d+)$/m.exec((await request(url, 'GET', '/metrics')).text)?.[1]);
    store.unavailable();
    const res = await request(url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE featureflow_feature_view_staleness_seconds gauge');
    expect(res.text).not.toMatch(/^featureflow_feature_view_staleness_seconds\{/m);
    expect(res.text).toContain(`featureflow_online_store_errors_total ${errorsBefore + 1}`);
    expect(res.text).toMatch(/featureflow_http_requests_total\{route="\/metrics",method="GET",status="200"\} \d+/);
  });
});
