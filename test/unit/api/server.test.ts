// The server over real HTTP on an ephemeral port with the in-memory store: routing, error bodies and statuses,
// keep-alive, timeouts and close. The same contract against real Redis is in test/integration/api.
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { silentLogger } from '../../../src/api/logger.js';
import { apiRepo } from '../../helpers/api-repo.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { rawExchange, request } from './http-client.js';

const store = new FakeOnlineStore();
let api: ApiServer;
let url: string;

beforeAll(async () => {
  store.put('user_stats', [1], { clicks: 12, avg_amount: 2.5, tags: ['a'] }, new Date().toISOString());
  api = createServer({
    repo: apiRepo(),
    store,
    logger: silentLogger,
    limits: { maxBodyBytes: 64 * 1024, storeTimeoutMs: 300 },
  });
  url = (await api.listen(0)).url;
});

afterAll(async () => {
  await api.close();
});

afterEach(() => {
  store.failure = undefined;
  store.readDelayMs = 0;
});

describe('api server (in-memory store)', () => {
  it('serves online features in the SPEC shape', async () => {
    const res = await request(url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1, 2] } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json.metadata.feature_names).toEqual(['user_id', 'clicks']);
    expect(res.json.results[1].values).toEqual([12, null]);
    expect(res.json.results[1].statuses).toEqual(['PRESENT', 'NOT_FOUND']);
  });

  it('answers health, readiness, registry and metrics', async () => {
    expect((await request(url, 'GET', '/health')).json).toEqual({ status: 'ok' });
    expect((await request(url, 'GET', '/ready')).status).toBe(200);
    const registry = await request(url, 'GET', '/registry');
    expect(registry.json.project).toBe('shop');
    expect(registry.json.featureViews.map((v: { name: string }) => v.name)).toContain('user_stats');
    const metrics = await request(url, 'GET', '/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toMatch(/featureflow_http_requests_total\{route="\/get-online-features",method="POST",status="200"\} \d+/);
  });

  it('ignores the query string when routing', async () => {
    expect((await request(url, 'GET', '/health?verbose=1')).status).toBe(200);
  });

  it('answers an unknown route 404 ROUTE_NOT_FOUND in the error shape', async () => {
    const res = await request(url, 'GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('ROUTE_NOT_FOUND');
    expect(res.json.error.message).toContain('/get-online-features');
  });

  it('answers a wrong method 405 with an Allow header', async () => {
    const get = await request(url, 'GET', '/get-online-features');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(get.json.error.code).toBe('METHOD_NOT_ALLOWED');
    const post = await request(url, 'POST', '/health', {});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers malformed JSON and an empty body 400 INVALID_JSON', async () => {
    const bad = await request(url, 'POST', '/get-online-features', '{"features": [');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('INVALID_JSON');
    expect(bad.json.error.message).toContain('not valid JSON');
    const empty = await request(url, 'POST', '/get-online-features', '');
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toContain('empty');
  });

  it('answers wrong types 400 naming the field', async () => {
    const res = await request(url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1, true, null] } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_REQUEST');
    expect(res.json.error.message).toContain('entities.user_id[2]');
  });

  it('answers a body over the limit 413 while the rest is still coming', async () => {
    const res = await request(url, 'POST', '/get-online-features', 'x'.repeat(200 * 1024));
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.connection).toBe('close');
  });

  it('answers 503 ONLINE_STORE_UNAVAILABLE while the store is down, and on /ready', async () => {
    store.unavailable();
    const res = await request(url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1] } });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('ONLINE_STORE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
    const ready = await request(url, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.error.code).toBe('ONLINE_STORE_UNAVAILABLE');
    expect((await request(url, 'GET', '/health')).status).toBe(200);
  });

  it('answers 503 when the store does not answer in time instead of hanging', async () => {
    store.readDelayMs = 2_000;
    const res = await request(url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1] } });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('ONLINE_STORE_UNAVAILABLE');
    expect(res.json.error.message).toContain('try again');
  });

  it('answers a store bug 500 without its details', async () => {
    store.failure = new TypeError('cannot read properties of undefined');
    const res = await request(url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1] } });
    expect(res.status).toBe(500);
    expect(res.json.error).toEqual({ code: 'INTERNAL', message: 'internal error: the server logged the details' });
  });

  it('reuses a keep-alive connection across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = { features: ['user_stats:clicks'], entities: { user_id: [1] } };
      const first = await request(url, 'POST', '/get-online-features', body, { agent });
      const second = await request(url, 'POST', '/get-online-features', body, { agent });
      const third = await request(url, 'GET', '/nope', undefined, { agent });
      const fourth = await request(url, 'POST', '/get-online-features', body, { agent });
      expect([first.status, second.status, third.status, fourth.status]).toEqual([200, 200, 404, 200]);
      expect(new Set([first.localPort, second.localPort, third.localPort, fourth.localPort]).size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('answers a malformed HTTP request 400 in the JSON error shape and survives', async () => {
    const answer = await rawExchange(api.address().port, 'NONSENSE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"code":"BAD_HTTP_REQUEST"');
    expect((await request(url, 'GET', '/health')).status).toBe(200);
  });
});

describe('api server close', () => {
  it('finishes in-flight requests and closes idle keep-alive sockets', async () => {
    const slow = new FakeOnlineStore();
    slow.readDelayMs = 300;
    const server = createServer({ repo: apiRepo(), store: slow, logger: silentLogger });
    const { url: base } = await server.listen(0);
    const agent = new http.Agent({ keepAlive: true });
    try {
      await request(base, 'GET', '/health', undefined, { agent }); // leaves an idle keep-alive socket
      const inFlight = request(base, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1] } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = server.close();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.headers.connection).toBe('close');
      await closed;
      expect(server.http.listening).toBe(false);
    } finally {
      agent.destroy();
    }
  });
});

describe('api server details', () => {
  it('masks the password of the online store URL in /registry', async () => {
    const server = createServer({
      repo: { ...apiRepo(), onlineStore: { url: 'redis://app:s3cret@redis.internal:6379/0', keyPrefix: 'ff' } },
      store: new FakeOnlineStore(),
      logger: silentLogger,
    });
    const { url: base } = await server.listen(0);
    try {
      const res = await request(base, 'GET', '/registry');
      expect(res.json.onlineStore.url).toBe('redis://app:***@redis.internal:6379/0');
      expect(res.text).not.toContain('s3cret');
    } finally {
      await server.close();
    }
  });

  it('refuses an oversized body announced with Expect: 100-continue without inviting it', async () => {
    const answer = await rawExchange(
      api.address().port,
      'POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n',
      /\r\n\r\n\{"error":.*\}\}/,
    );
    expect(answer).not.toContain('100 Continue');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('invites an acceptable body announced with Expect: 100-continue and answers it', async () => {
    const res = await request(url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: [1] } }, {
      headers: { Expect: '100-continue' },
    });
    expect(res.status).toBe(200);
  });
});

describe('api server timeouts', () => {
  it('answers a request whose body stalls 408 in the JSON error shape', async () => {
    const server = createServer({
      repo: apiRepo(),
      store: new FakeOnlineStore(),
      logger: silentLogger,
      limits: { requestTimeoutMs: 300, headersTimeoutMs: 300 },
    });
    const { port } = await server.listen(0);
    try {
      const answer = await rawExchange(port, 'POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"fea');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    } finally {
      await server.close();
    }
  });
});
