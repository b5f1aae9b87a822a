// Redis going away and coming back while the API runs: 503 quickly (no hanging request), /ready failing, /health
// still fine, and 200 again once Redis is back, without restarting the API. Uses a redis-server of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../unit/api/http-client.js';
import { startApiEnv, type ApiEnv } from './api-env.js';
import { freePort, OwnRedis } from '../../helpers/own-redis.js';
import { STORE_UNAVAILABLE_MESSAGE } from '../../../src/api/errors.js';

let redis: OwnRedis;
let env: ApiEnv;
const body = { features: ['user_stats:clicks'], entities: { user_id: [1] } };

beforeAll(async () => {
  redis = new OwnRedis(await freePort());
  await redis.start();
  env = await startApiEnv({ url: redis.url });
  await env.put('user_stats', [1], [12, 2.5, ['a']], new Date(Date.now() - 60_000));
});

afterAll(async () => {
  await env?.teardown().catch(() => undefined);
  await redis?.dispose();
});

describe('API while Redis is down', () => {
  it('serves while Redis is up', async () => {
    const res = await request(env.url, 'POST', '/get-online-features', body);
    expect(res.status).toBe(200);
    expect(res.json.results[1].values).toEqual([12]);
  });

  it('answers 503 ONLINE_STORE_UNAVAILABLE and fails /ready once Redis stops, and stays alive', async () => {
    await redis.stop();
    const features = await request(env.url, 'POST', '/get-online-features', body);
    expect(features.status).toBe(503);
    expect(features.json.error.code).toBe('ONLINE_STORE_UNAVAILABLE');
    expect(features.headers['retry-after']).toBe('1');
    // The client learns what to do, not where Redis lives or what the client library said.
    expect(features.json.error.message).toBe(STORE_UNAVAILABLE_MESSAGE);
    expect(features.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|ioredis|:\d{4,5}/);
    const ready = await request(env.url, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.error.code).toBe('ONLINE_STORE_UNAVAILABLE');
    expect((await request(env.url, 'GET', '/health')).status).toBe(200);
    const metrics = await request(env.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/featureflow_online_store_errors_total [1-9]/);
  });

  it('answers 200 again once Redis is back on the same port, without a restart', async () => {
    await redis.start();
    // The data went with the old server (no persistence): the read now finds nothing, which still proves recovery.
    await expect
      .poll(async () => (await request(env.url, 'GET', '/ready')).status, { timeout: 15_000, interval: 100 })
      .toBe(200);
    const res = await request(env.url, 'POST', '/get-online-features', body);
    expect(res.status).toBe(200);
    expect(res.json.results[1].statuses).toEqual(['NOT_FOUND']);
  });
});
