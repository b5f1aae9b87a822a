// Admission limits with the in-memory store: entities x features and write-row limits (400 naming the limit),
// sliced reads giving the same answer as one read, the in-flight gate, and the serve flags and variables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiContext } from '../../../src/api/context.js';
import { DEFAULT_LIMITS } from '../../../src/api/context.js';
import { silentLogger } from '../../../src/api/logger.js';
import { Metrics } from '../../../src/api/metrics.js';
import { OnlinePlanner } from '../../../src/api/online-plan.js';
import { parseOnlineFeaturesRequest } from '../../../src/api/online-request.js';
import { emptyCounts, OnlineResponseBuilder } from '../../../src/api/online-response.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { callStore } from '../../../src/api/store-call.js';
import { InvalidEntityKeyError, OnlineStoreUnavailableError } from '../../../src/online/errors.js';
import { limitsFrom } from '../../../src/cli/serve-limits.js';
import { viewLayout } from '../../../src/online/layout.js';
import { apiRepo } from '../../helpers/api-repo.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { rawExchange, request } from './http-client.js';

const store = new FakeOnlineStore();
let api: ApiServer;
let url: string;
const now = new Date().toISOString();

beforeAll(async () => {
  for (let id = 0; id < 30; id += 3) store.put('user_stats', [id], { clicks: id, avg_amount: id + 0.5, tags: [`t${id}`] }, now);
  api = createServer({
    repo: apiRepo(),
    store,
    logger: silentLogger,
    limits: { maxValuesPerRequest: 60, readSliceValues: 8, maxRowsPerWrite: 10 },
  });
  url = (await api.listen(0)).url;
});

afterAll(async () => {
  await api.close();
});

const features = ['user_stats:clicks', 'user_stats:avg_amount'];
const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('request size limits', () => {
  it('answers entities x features over the limit 400 REQUEST_TOO_LARGE naming the limit, without reading', async () => {
    const reads = store.reads;
    const res = await request(url, 'POST', '/get-online-features', { features, entities: { user_id: ids(31) } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('REQUEST_TOO_LARGE');
    expect(res.json.error.message).toBe(
      'request too large: entities x features is 62, over the limit of 60 (maxValuesPerRequest); split it into smaller requests',
    );
    expect(store.reads).toBe(reads);
  });

  it('counts a feature service by the features it lists', async () => {
    const res = await request(url, 'POST', '/get-online-features', { feature_service: 'fraud_v1', entities: { user_id: ids(30), merchant_id: ids(30).map(String) } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('REQUEST_TOO_LARGE');
  });

  it('refuses a write of more rows than maxRowsPerWrite with 400 naming it', async () => {
    const res = await request(url, 'POST', '/write-to-online-store', {
      feature_view_name: 'user_stats',
      df: { user_id: ids(11), clicks: ids(11), event_timestamp: ids(11).map(() => '2024-05-01T00:00:00') },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('REQUEST_TOO_LARGE');
    expect(res.json.error.message).toContain('maxRowsPerWrite');
  });

  it('counts refusals in the metrics', async () => {
    const metrics = (await request(url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/featureflow_http_rejected_total\{reason="request_too_large"\} [1-9]/);
  });
});

describe('sliced reads', () => {
  it('reads a request at the limit in slices and answers exactly as one read would', async () => {
    const reads = store.reads;
    const res = await request(url, 'POST', '/get-online-features', { features, entities: { user_id: ids(30) } });
    expect(res.status).toBe(200);
    // 8 values per slice / 2 features = 4 entities per slice: 8 slices for 30 entities, encoded slice by slice.
    expect(store.reads - reads).toBe(8);
    const [keys, clicks, amounts] = res.json.results;
    expect(keys.values).toEqual(ids(30));
    expect(keys.statuses).toHaveLength(30);
    expect(clicks.values).toEqual(ids(30).map((i) => (i % 3 === 0 ? i : null)));
    expect(clicks.statuses).toEqual(ids(30).map((i) => (i % 3 === 0 ? 'PRESENT' : 'NOT_FOUND')));
    expect(amounts.values[3]).toBe(3.5);
    expect(amounts.event_timestamps[4]).toBe('1970-01-01T00:00:00Z');
    expect(amounts.event_timestamps[3]).toBe(`${now.slice(0, 19)}Z`);
  });
});

describe('response built in slices', () => {
  it('gives the same bytes encoded slice by slice as built in one go', () => {
    const request = parseOnlineFeaturesRequest({ features: ['user_stats:clicks', 'user_stats:avg_amount'], entities: { user_id: [1, 2, 3] } });
    const plan = new OnlinePlanner(apiRepo(), viewLayout).plan(request);
    const column = (rows: number[]) => ({
      values: rows.map((r) => (r === 2 ? null : r * 1.5)),
      statuses: rows.map((r) => (r === 2 ? ('NOT_FOUND' as const) : ('PRESENT' as const))),
      eventMicros: rows.map((r) => (r === 2 ? 0 : 1_714_557_600_000_000 + r)),
    });
    const whole = new OnlineResponseBuilder(plan);
    whole.add(request.entities, [column([1, 2, 3]), column([1, 2, 3])], emptyCounts());
    const sliced = new OnlineResponseBuilder(plan, true);
    sliced.add({ user_id: [1] }, [column([1]), column([1])], emptyCounts());
    sliced.add({ user_id: [2, 3] }, [column([2, 3]), column([2, 3])], emptyCounts());
    expect(sliced.finishBuffer().toString()).toBe(whole.finish());
    expect(JSON.parse(whole.finish()).results[2].values).toEqual([1.5, null, 4.5]);
  });
});

describe('body timeouts', () => {
  it('cuts a body that stops arriving after bodyIdleTimeoutMs with 408, long before the request timeout', async () => {
    const server = createServer({ repo: apiRepo(), store, logger: silentLogger, limits: { bodyIdleTimeoutMs: 200, requestTimeoutMs: 60_000 } });
    const { port } = await server.listen(0);
    try {
      const answer = await rawExchange(port, 'POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"fea');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('request body stalled: no bytes for 200 ms');
      expect(answer).toContain('Connection: close');
      expect(server.metrics.render()).toContain('featureflow_http_rejected_total{reason="body_timeout"} 1');
    } finally {
      await server.close();
    }
  });
});

describe('callStore', () => {
  const ctx = (storeTimeoutMs: number): ApiContext => ({ metrics: new Metrics(), limits: { ...DEFAULT_LIMITS, storeTimeoutMs } }) as unknown as ApiContext;
  const errors = (c: ApiContext): string | undefined => /featureflow_online_store_errors_total (\d+)/.exec(c.metrics.render())?.[1];

  it('counts store failures but not a client error', async () => {
    const c = ctx(1000);
    await expect(callStore(c, 'read', () => Promise.reject(new InvalidEntityKeyError('bad key')))).rejects.toThrow('bad key');
    expect(errors(c)).toBe('0');
    await expect(callStore(c, 'read', () => Promise.reject(new OnlineStoreUnavailableError('down')))).rejects.toThrow('down');
    expect(errors(c)).toBe('1');
  });

  it('does not time out a call whose reply arrived while our own CPU work held the event loop', async () => {
    const c = ctx(20);
    // The reply arrives 5 ms in and, like a reply parsed over several socket reads, needs two more turns of the
    // event loop to settle; the deadline is 20 ms in. The busy loop holds both past their time. (A real file read
    // was used here once: on a loaded machine its thread-pool hops alone can outlast the grace.)
    const reply = Buffer.from('reply');
    const afterTurns = (turns: number, done: () => void): void => void (turns === 0 ? done() : setImmediate(() => afterTurns(turns - 1, done)));
    const pending = callStore(c, 'read', () => new Promise<Buffer>((resolve) => setTimeout(() => afterTurns(2, () => resolve(reply)), 5)));
    const until = performance.now() + 200;
    while (performance.now() < until) {
      // busy: a big request's CPU work
    }
    await expect(pending).resolves.toBe(reply);
    expect(errors(c)).toBe('0');
  });

  it('times out a call that really hangs, counted as a store error', async () => {
    const c = ctx(20);
    await expect(callStore(c, 'read', () => new Promise(() => {}))).rejects.toThrow('took longer than 20 ms');
    expect(errors(c)).toBe('1');
  });
});

describe('serve limit flags', () => {
  it('takes a flag over its variable and leaves unset limits to the defaults', () => {
    expect(limitsFrom({ 'max-values': '500' }, { FEATUREFLOW_MAX_VALUES: '9', FEATUREFLOW_MAX_CONNECTIONS: '7' })).toEqual({
      maxValuesPerRequest: 500,
      maxConnections: 7,
    });
    expect(limitsFrom({}, {})).toEqual({});
  });

  it('refuses a limit that is not a positive whole number, naming where it came from', () => {
    expect(() => limitsFrom({ 'max-in-flight': '0' }, {})).toThrow('--max-in-flight must be a whole number from 1');
    expect(() => limitsFrom({}, { FEATUREFLOW_BODY_IDLE_TIMEOUT_MS: '1.5' })).toThrow('FEATUREFLOW_BODY_IDLE_TIMEOUT_MS must be');
  });
});
