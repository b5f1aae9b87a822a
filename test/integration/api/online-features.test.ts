// The HTTP contract of SPEC section 4 over real HTTP and the real Redis online store: every value status, every
// error code, big and slow bodies, keep-alive.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Answer } from '../../unit/api/http-client.js';
import { startApiEnv, type ApiEnv } from './api-env.js';

const EPOCH = '1970-01-01T00:00:00Z';
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
let env: ApiEnv;

const post = (body: unknown): Promise<Answer> => request(env.url, 'POST', '/get-online-features', body);

beforeAll(async () => {
  env = await startApiEnv({ limits: { maxBodyBytes: 1024 * 1024, drainTimeoutMs: 20_000 } });
  const hourAgo = new Date(Date.now() - 3_600_000);
  await env.put('user_stats', [1], [12, 2.5, ['a', 'b']], hourAgo);
  await env.put('user_stats', [2], [null, 1.0, null], hourAgo);
  // Written as if the view had no TTL, so the key outlives the view's 2d TTL: the value is too old now.
  await env.put('user_stats', [3], [5, 0.5, []], new Date('2024-05-01T10:00:00.750Z'), { ttlSeconds: 0 });
  await env.put('user_stats', [5], [2n ** 60n, 1.5, ['z']], hourAgo);
  await env.put('user_profile', [1], [99, 'DE'], hourAgo);
  await env.put('merchant_stats', ['m1'], [4.5], hourAgo);
  await env.put('pair_stats', [1, 'm1'], [7], hourAgo);
});

afterAll(async () => {
  await env?.teardown();
});

describe('POST /get-online-features over Redis', () => {
  it('is ready once Redis answers', async () => {
    const res = await request(env.url, 'GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ready', project: 'shop' });
  });

  it('returns entity columns first, then features in request order, with every status', async () => {
    const res = await post({ features: ['user_stats:clicks', 'user_stats:tags'], entities: { user_id: [1, 2, 3, 4] } });
    expect(res.status).toBe(200);
    expect(res.json.metadata.feature_names).toEqual(['user_id', 'clicks', 'tags']);
    const [keys, clicks, tags] = res.json.results;
    expect(keys).toEqual({ values: [1, 2, 3, 4], statuses: Array(4).fill('PRESENT'), event_timestamps: Array(4).fill(EPOCH) });
    expect(clicks.values).toEqual([12, null, 5, null]);
    expect(clicks.statuses).toEqual(['PRESENT', 'NULL_VALUE', 'OUTSIDE_MAX_AGE', 'NOT_FOUND']);
    expect(clicks.event_timestamps[0]).toMatch(ISO_SECONDS);
    expect(clicks.event_timestamps[2]).toBe('2024-05-01T10:00:00Z');
    expect(clicks.event_timestamps[3]).toBe(EPOCH);
    expect(tags.values).toEqual([['a', 'b'], null, [], null]);
    expect(tags.statuses).toEqual(['PRESENT', 'NULL_VALUE', 'OUTSIDE_MAX_AGE', 'NOT_FOUND']);
  });

  it('returns int64 beyond 2^53 as a JSON string and echoes string keys as given', async () => {
    const res = await post({ features: ['user_stats:clicks'], entities: { user_id: ['5'] } });
    expect(res.json.results[0].values).toEqual(['5']);
    expect(res.json.results[1].values).toEqual(['1152921504606846976']);
    expect(res.json.results[1].statuses).toEqual(['PRESENT']);
  });

  it('serves a feature service, several views and composite keys in one request', async () => {
    const service = await post({ feature_service: 'fraud_v1', entities: { merchant_id: ['m1', 'm2'], user_id: [1, 4] } });
    expect(service.json.metadata.feature_names).toEqual(['merchant_id', 'user_id', 'avg_amount', 'clicks', 'rating']);
    expect(service.json.results.map((c: { values: unknown[] }) => c.values)).toEqual([
      ['m1', 'm2'],
      [1, 4],
      [2.5, null],
      [12, null],
      [4.5, null],
    ]);
    const pair = await post({ features: ['pair_stats:pair_count'], entities: { user_id: [1, 1], merchant_id: ['m1', 'm2'] } });
    expect(pair.json.results[2]).toMatchObject({ values: [7, null], statuses: ['PRESENT', 'NOT_FOUND'] });
  });

  it('answers the same bytes whether a body takes the lean check or the schema', async () => {
    const body = { features: ['user_stats:clicks', 'user_stats:avg_amount', 'user_stats:tags'], entities: { user_id: [1, 2, 3, 4, 5] } };
    const lean = await post(body);
    // An unknown field sends the body through the schema (which strips it); a body over 64 KiB is scanned first.
    const schema = await post({ ...body, client: 'a newer Feast' });
    const padded = await post({ ...body, padding: 'x'.repeat(70 * 1024) });
    expect(lean.status).toBe(200);
    expect(schema.text).toBe(lean.text);
    expect(padded.text).toBe(lean.text);
  });

  it('answers a small body the lean check leaves alone with the schema\'s own error', async () => {
    const res = await post({ features: ['user_stats:clicks'], entities: { user_id: [1, 2], merchant_id: ['m1'] } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(
      'invalid request: entities.merchant_id: has 1 values but entities.user_id has 2: every join key needs one value per entity',
    );
  });

  it('names columns view__feature with full_feature_names, and refuses the clash without', async () => {
    const body = { features: ['user_stats:clicks', 'user_profile:clicks'], entities: { user_id: [1] } };
    const full = await post({ ...body, full_feature_names: true });
    expect(full.json.metadata.feature_names).toEqual(['user_id', 'user_stats__clicks', 'user_profile__clicks']);
    expect(full.json.results.slice(1).map((c: { values: unknown[] }) => c.values)).toEqual([[12], [99]]);
    const clash = await post(body);
    expect(clash.status).toBe(400);
    expect(clash.json.error).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(clash.json.error.message).toContain('full_feature_names');
  });

  it.each([
    ['malformed JSON', '{"features": ["user_stats:clicks"', 400, 'INVALID_JSON', 'not valid JSON'],
    ['a wrongly typed field', { features: ['user_stats:clicks'], entities: { user_id: [1, [2]] } }, 400, 'INVALID_REQUEST', 'entities.user_id[1]'],
    ['ragged entity columns', { features: ['pair_stats:pair_count'], entities: { user_id: [1, 2], merchant_id: ['m1'] } }, 400, 'INVALID_REQUEST', 'entities.merchant_id'],
    ['a missing join key', { features: ['pair_stats:pair_count'], entities: { user_id: [1] } }, 400, 'INVALID_REQUEST', 'entities.merchant_id is missing'],
    ['a malformed reference', { features: ['clicks'], entities: { user_id: [1] } }, 400, 'INVALID_FEATURE_REF', 'view:feature'],
    ['a key of the wrong type', { features: ['user_stats:clicks'], entities: { user_id: [1, 'abc'] } }, 400, 'INVALID_ENTITY_KEY', 'entities.user_id[1]'],
    ['an unknown view', { features: ['nope:clicks'], entities: { user_id: [1] } }, 404, 'NOT_FOUND', 'unknown feature view "nope"'],
    ['an unknown feature', { features: ['user_stats:nope'], entities: { user_id: [1] } }, 404, 'NOT_FOUND', 'no feature "nope"'],
    ['an unknown service', { feature_service: 'nope', entities: { user_id: [1] } }, 404, 'NOT_FOUND', 'unknown feature service "nope"'],
    ['an offline-only view', { features: ['archive:lifetime_clicks'], entities: { user_id: [1] } }, 404, 'VIEW_NOT_ONLINE', 'online: false'],
  ])('answers %s with its status and code, naming the problem', async (_what, body, status, code, message) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toContain(message);
  });

  it('answers an unknown route 404 and a wrong method 405 with Allow', async () => {
    const route = await request(env.url, 'POST', '/get-online-feature', {});
    expect([route.status, route.json.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    const method = await request(env.url, 'PUT', '/get-online-features', {});
    expect([method.status, method.json.error.code, method.headers.allow]).toEqual([405, 'METHOD_NOT_ALLOWED', 'POST']);
  });

  it('reuses one keep-alive connection for many requests, errors included', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number>();
      for (const body of [{ features: ['user_stats:clicks'], entities: { user_id: [1] } }, '{bad', { feature_service: 'nope', entities: { user_id: [1] } }]) {
        ports.add((await request(env.url, 'POST', '/get-online-features', body, { agent })).localPort);
      }
      ports.add((await request(env.url, 'GET', '/ready', undefined, { agent })).localPort);
      expect(ports.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('counts requests, values by status and latency in /metrics', async () => {
    const text = (await request(env.url, 'GET', '/metrics')).text;
    expect(text).toMatch(/featureflow_feature_values_total\{status="OUTSIDE_MAX_AGE"\} [1-9]/);
    expect(text).toMatch(/featureflow_http_requests_total\{route="\/get-online-features",method="POST",status="404"\} [1-9]/);
    expect(text).toMatch(/featureflow_http_request_duration_seconds_count\{route="\/get-online-features"\} [1-9]/);
  });
});

describe('oversized bodies', () => {
  interface UploadResult {
    status: number;
    body: string;
    /** Bytes written when the response arrived. */
    sentAtResponse: number;
    /** The client's socket error, if the server reset the connection while it was still uploading. */
    error: string | undefined;
  }

  /**
   * Streams `total` bytes in 64 KiB chunks, one every `pauseMs` (0: as fast as the socket takes them), without
   * Content-Length unless asked, and goes on uploading after the response arrived, as real clients do; resolves
   * once the connection is closed.
   */
  function upload(total: number, options: { contentLength?: boolean; pauseMs?: number } = {}): Promise<UploadResult> {
    return new Promise((resolve) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const result: UploadResult = { status: 0, body: '', sentAtResponse: -1, error: undefined };
      let sent = 0;
      let failed = false;
      const req = http.request(`${env.url}/get-online-features`, {
        method: 'POST',
        agent: false,
        headers: options.contentLength ? { 'Content-Length': String(total) } : { 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        result.status = res.statusCode ?? 0;
        result.sentAtResponse = sent;
        res.setEncoding('utf8');
        res.on('data', (d: string) => (result.body += d));
        res.on('error', () => undefined);
      });
      req.on('error', (err) => {
        failed = true;
        result.error = (err as NodeJS.ErrnoException).code ?? err.message;
      });
      req.on('close', () => resolve(result));
      const pump = (): void => {
        if (failed) return;
        if (sent >= total) {
          req.end();
          return;
        }
        sent += chunk.length;
        const more = req.write(chunk);
        if (options.pauseMs) setTimeout(pump, options.pauseMs);
        else if (more) setImmediate(pump);
        else req.once('drain', pump);
      };
      pump();
    });
  }

  it('answers a 5 MiB body streamed slowly 413 while it is still uploading, and reads the rest', async () => {
    const res = await upload(5 * 1024 * 1024, { pauseMs: 5 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.sentAtResponse).toBeLessThan(5 * 1024 * 1024);
    expect(res.error).toBeUndefined();
  });

  it('answers a 5 MiB body streamed as fast as possible 413, never with a reset connection', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await upload(5 * 1024 * 1024);
      expect([res.status, res.error]).toEqual([413, undefined]);
    }
  });

  it('answers 413 from Content-Length before reading the body', async () => {
    const res = await upload(5 * 1024 * 1024, { contentLength: true, pauseMs: 5 });
    expect([res.status, res.error]).toEqual([413, undefined]);
    expect(res.sentAtResponse).toBeLessThan(5 * 1024 * 1024);
    expect(JSON.parse(res.body).error.message).toContain('1048576 bytes');
  });

  it('cuts an upload that goes on past the drain cap, after answering 413', async () => {
    const capped = await startApiEnv({ limits: { maxBodyBytes: 1024, drainMaxBytes: 256 * 1024 } });
    try {
      const res = await new Promise<UploadResult>((resolve) => {
        const req = http.request(`${capped.url}/get-online-features`, { method: 'POST', agent: false });
        const result: UploadResult = { status: 0, body: '', sentAtResponse: 0, error: undefined };
        req.on('response', (r) => {
          result.status = r.statusCode ?? 0;
          r.resume();
        });
        req.on('error', (err) => (result.error = (err as NodeJS.ErrnoException).code));
        req.on('close', () => resolve(result));
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = (): void => {
          if (req.destroyed) return;
          if (req.write(chunk)) setImmediate(pump);
          else req.once('drain', pump);
        };
        pump(); // never ends on its own
      });
      expect(res.status).toBe(413);
    } finally {
      await capped.teardown();
    }
  });

  it('keeps serving after oversized uploads', async () => {
    const res = await post({ features: ['user_stats:clicks'], entities: { user_id: [1] } });
    expect(res.status).toBe(200);
  });
});
