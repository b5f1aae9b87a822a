// Issue 10, attacks 2 and 4, as regression tests against the real Redis store (fresh key prefix): one client's
// oversized or big request must not stall the others nor count as a store error, stalled uploads are cut after
// the body timeout and their sockets and memory released, and connections and reads over their caps get a 503.
import http from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServerLimits } from '../../src/api/context.js';
import type { FeatureColumn, OnlineReadRequest } from '../../src/online/types.js';
import { startApiEnv, type ApiEnv } from '../integration/api/api-env.js';
import { request } from '../unit/api/http-client.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const figure = (name: string, value: string): void => console.log(`FAULT-FIGURE: attack-serving ${name}: ${value}`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

async function scrape(env: ApiEnv, name: string): Promise<number> {
  return metric((await request(env.url, 'GET', '/metrics')).text, name);
}

const STORE_ERRORS = 'featureflow_online_store_errors_total';
const small = { features: ['user_stats:clicks', 'user_stats:avg_amount'], entities: { user_id: [1] } };

/**
 * A POST whose answer is kept as text: the test parses it after the measurement, so this process's own JSON.parse
 * of a multi-megabyte answer is not counted against the server.
 */
function rawPost(base: string, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Small requests one after another while `busy` runs; the slowest one's latency (ms) and their statuses. */
async function whileBusy(env: ApiEnv, busy: Promise<unknown>): Promise<{ worstMs: number; count: number; statuses: Set<number> }> {
  let done = false;
  void busy.finally(() => (done = true));
  let worstMs = 0;
  let count = 0;
  const statuses = new Set<number>();
  while (!done) {
    const started = performance.now();
    const res = await request(env.url, 'POST', '/get-online-features', small);
    worstMs = Math.max(worstMs, performance.now() - started);
    statuses.add(res.status);
    count++;
  }
  return { worstMs, count, statuses };
}

describe('attack: one big request stalls everyone (issue 10 point 2)', () => {
  let env: ApiEnv;

  beforeAll(async () => {
    env = await startApiEnv();
    await env.put('user_stats', [1], [12, 2.5, ['a']], new Date());
    await env.put('user_stats', [49_999], [7, 1.5, []], new Date());
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('refuses 200k entities x 1 feature with 400 naming the limit, quickly, and others are served meanwhile', async () => {
    const errorsBefore = await scrape(env, STORE_ERRORS);
    const body = JSON.stringify({ features: ['user_stats:clicks'], entities: { user_id: Array.from({ length: 200_000 }, (_, i) => i % 1000) } });
    expect(body.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    const big = rawPost(env.url, '/get-online-features', body);
    const others = await whileBusy(env, big);
    const answer = { status: (await big).status, json: JSON.parse((await big).text) };
    figure('200k-entity request refused after (ms)', (performance.now() - started).toFixed(1));
    figure('slowest concurrent small request during it (ms)', others.worstMs.toFixed(1));
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('REQUEST_TOO_LARGE');
    expect(answer.json.error.message).toContain('maxValuesPerRequest');
    expect(answer.json.error.message).toContain('100000');
    expect([...others.statuses]).toEqual([200]);
    expect(others.worstMs).toBeLessThan(1000);
    expect(await scrape(env, STORE_ERRORS)).toBe(errorsBefore);
  });

  it('serves a request at the limit (50k entities x 2 features) in slices while small requests keep being answered', async () => {
    const errorsBefore = await scrape(env, STORE_ERRORS);
    const ids = Array.from({ length: 50_000 }, (_, i) => i);
    const started = performance.now();
    const big = rawPost(env.url, '/get-online-features', JSON.stringify({ features: small.features, entities: { user_id: ids } }));
    const others = await whileBusy(env, big);
    const answer = { status: (await big).status, json: JSON.parse((await big).text) };
    figure('50k x 2 request served in (ms)', (performance.now() - started).toFixed(1));
    figure('slowest concurrent small request during it (ms)', `${others.worstMs.toFixed(1)} (${others.count} requests)`);
    expect(answer.status).toBe(200);
    const [keys, clicks] = answer.json.results as Array<{ values: unknown[]; statuses: string[] }>;
    expect(keys?.values).toHaveLength(50_000);
    expect(clicks?.values[1]).toBe(12);
    expect(clicks?.values[49_999]).toBe(7);
    expect(clicks?.statuses[2]).toBe('NOT_FOUND');
    expect([...others.statuses]).toEqual([200]);
    expect(others.worstMs).toBeLessThan(1000);
    expect(await scrape(env, STORE_ERRORS)).toBe(errorsBefore);
  });

  it('never counts a client error as a store error', async () => {
    const errorsBefore = await scrape(env, STORE_ERRORS);
    const bad = await request(env.url, 'POST', '/get-online-features', { features: ['user_stats:clicks'], entities: { user_id: ['not-a-number'] } });
    expect(bad.status).toBe(400);
    expect(await scrape(env, STORE_ERRORS)).toBe(errorsBefore);
  });
});

/** Opens `count` uploads that declare 1,000,000 bytes, send 990,000 and stall; resolves when all were sent. */
async function stalledUploads(port: number, count: number): Promise<Array<{ socket: net.Socket; answer: Promise<string> }>> {
  const chunk = Buffer.alloc(990_000, 0x20);
  return Promise.all(
    Array.from({ length: count }, () =>
      new Promise<{ socket: net.Socket; answer: Promise<string> }>((resolve, reject) => {
        // Half-open allowed: like a stalling attacker, this side never closes by itself.
        const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        let text = '';
        const answer = new Promise<string>((done) => {
          socket.on('data', (d: Buffer) => (text += d.toString()));
          socket.on('end', () => done(text));
        });
        socket.on('error', reject);
        socket.on('connect', () => {
          socket.write('POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n');
          socket.write(chunk, () => resolve({ socket, answer }));
        });
      }),
    ),
  );
}

describe('attack: stalled uploads pin memory (issue 10 point 4)', () => {
  let env: ApiEnv;
  const limits: Partial<ServerLimits> = { bodyIdleTimeoutMs: 1500, requestTimeoutMs: 4000, headersTimeoutMs: 4000 };

  beforeAll(async () => {
    env = await startApiEnv({ limits });
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('cuts 100 stalled uploads after the body-idle timeout, closes their sockets and releases their memory', async () => {
    gc();
    const before = process.memoryUsage();
    const port = Number(new URL(env.url).port);
    const uploads = await stalledUploads(port, 100);
    const sentAt = performance.now();
    // Half-way through the idle timeout: the server has read what the kernel buffered for it by then.
    await sleep(limits.bodyIdleTimeoutMs! / 2);
    const peak = process.memoryUsage();
    const answers = await Promise.all(uploads.map((u) => u.answer));
    const cutAfter = performance.now() - sentAt;
    // V8 frees array buffers' memory on a background thread after a collection: poll for a while.
    let after = process.memoryUsage();
    for (let i = 0; i < 50 && after.arrayBuffers - before.arrayBuffers >= 20 * 2 ** 20; i++) {
      gc();
      await sleep(100);
      after = process.memoryUsage();
    }
    const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
    figure('100 stalled uploads cut after (ms, idle timeout 1500)', cutAfter.toFixed(0));
    figure('array buffers before / peak / after (MB)', `${mb(before.arrayBuffers)} / ${mb(peak.arrayBuffers)} / ${mb(after.arrayBuffers)}`);
    figure('rss before / peak / after (MB)', `${mb(before.rss)} / ${mb(peak.rss)} / ${mb(after.rss)}`);
    for (const text of answers) expect(text).toMatch(/^HTTP\/1\.1 408 [^]*"code":"REQUEST_TIMEOUT"/);
    expect(cutAfter).toBeLessThan(10_000);
    expect(await scrape(env, 'featureflow_http_open_connections')).toBe(1); // the scrape's own connection
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(20 * 2 ** 20);
    expect(await scrape(env, 'featureflow_http_rejected_total{reason="body_timeout"}')).toBe(100);
    for (const u of uploads) u.socket.destroy();
  });

  it('cuts an upload that trickles a byte at a time after the request timeout', async () => {
    const port = Number(new URL(env.url).port);
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    const started = performance.now();
    const trickle = setInterval(() => socket.write(' '), 300);
    const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.write('POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
    await ended;
    clearInterval(trickle);
    socket.destroy();
    figure('trickling upload cut after (ms, request timeout 4000)', (performance.now() - started).toFixed(0));
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(performance.now() - started).toBeLessThan(9000);
  });

  it('closes a connection whose headers never finish, even when the client keeps its side open', async () => {
    const port = Number(new URL(env.url).port);
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const started = performance.now();
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    const closedByServer = new Promise<void>((resolve) => socket.on('end', () => resolve()));
    socket.write('POST /get-online-features HTTP/1.1\r\nHost: x\r\n');
    await closedByServer;
    const answeredAfter = performance.now() - started;
    // The server closes its side at once and the socket after a short grace for the client to read its answer.
    let open = await scrape(env, 'featureflow_http_open_connections');
    for (let i = 0; i < 30 && open > 1; i++) {
      await sleep(100);
      open = await scrape(env, 'featureflow_http_open_connections');
    }
    socket.destroy();
    figure('stalled headers: 408 after / socket closed after (ms, headers timeout 4000)', `${answeredAfter.toFixed(0)} / ${(performance.now() - started).toFixed(0)}`);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(open).toBe(1); // only the scrape's: the server closed its end, not just half of it
  });
});

describe('attack: stalled uploads against the body memory budget', () => {
  it('holds at most maxBufferedBodyBytes of bodies: uploads past it get 503 OVERLOADED at once and are closed', async () => {
    const env = await startApiEnv({ limits: { maxBufferedBodyBytes: 20 * 2 ** 20, bodyIdleTimeoutMs: 1500 } });
    try {
      gc();
      const before = process.memoryUsage().arrayBuffers;
      const port = Number(new URL(env.url).port);
      const started = performance.now();
      const uploads = await stalledUploads(port, 100);
      await sleep(700);
      const peak = process.memoryUsage().arrayBuffers;
      const answers = await Promise.all(uploads.map((u) => u.answer.then((text) => ({ text, ms: performance.now() - started }))));
      const refused = answers.filter((a) => a.text.startsWith('HTTP/1.1 503 '));
      const timedOut = answers.filter((a) => a.text.startsWith('HTTP/1.1 408 '));
      const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
      figure('100 stalled uploads, 20 MB body budget', `${refused.length} refused 503, ${timedOut.length} cut 408; array buffers before / peak ${mb(before)} / ${mb(peak)} MB`);
      expect(refused.length + timedOut.length).toBe(100);
      expect(timedOut.length).toBeLessThanOrEqual(21);
      expect(refused[0]?.text).toContain('"code":"OVERLOADED"');
      expect(refused[0]?.text).toContain('Retry-After: 1');
      expect(peak - before).toBeLessThan(60 * 2 ** 20);
      expect(await scrape(env, 'featureflow_http_rejected_total{reason="body_memory"}')).toBe(refused.length);
      for (const u of uploads) u.socket.destroy();
    } finally {
      await env.teardown();
    }
  });
});

describe('caps on connections and in-flight reads', () => {
  it('answers a connection over the cap 503 OVERLOADED with Retry-After, and counts it', async () => {
    const env = await startApiEnv({ limits: { maxConnections: 4 } });
    const port = Number(new URL(env.url).port);
    const held = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
      })),
    );
    try {
      await sleep(50);
      const over = await request(env.url, 'POST', '/get-online-features', small);
      expect(over.status).toBe(503);
      expect(over.headers['retry-after']).toBe('1');
      expect(over.headers.connection).toBe('close');
      expect(over.json.error.code).toBe('OVERLOADED');
      for (const s of held) s.destroy();
      await sleep(100);
      const metrics = (await request(env.url, 'GET', '/metrics')).text;
      expect(metric(metrics, 'featureflow_http_rejected_total{reason="connections"}')).toBe(1);
      expect((await request(env.url, 'POST', '/get-online-features', small)).status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
      await env.teardown();
    }
  });

  it('answers reads past the in-flight cap and a full client queue 503 with Retry-After, counted, and serves the rest', async () => {
    const env = await startApiEnv({ limits: { maxInFlightReads: 3, maxQueuedReadsPerClient: 0, readQueueWaitMs: 200 } });
    // Slow reads hold their place in flight, as a slow store would.
    const read = env.store.read.bind(env.store);
    env.store.read = async (req: OnlineReadRequest): Promise<FeatureColumn[]> => {
      await sleep(300);
      return read(req);
    };
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => request(env.url, 'POST', '/get-online-features', small)));
      const refused = answers.filter((a) => a.status === 503);
      figure('10 concurrent reads with in-flight cap 3', `${answers.length - refused.length} served, ${refused.length} refused`);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
      expect(refused).toHaveLength(7);
      for (const a of refused) {
        expect(a.json.error.code).toBe('OVERLOADED');
        expect(a.headers['retry-after']).toBe('1');
      }
      expect(await scrape(env, 'featureflow_http_rejected_total{reason="client_read_queue"}')).toBe(7);
      expect(await scrape(env, STORE_ERRORS)).toBe(0);
    } finally {
      await env.teardown();
    }
  });

  it('gives a freed read slot to another client before the flooding client\'s backlog', async () => {
    const env = await startApiEnv({ limits: { maxInFlightReads: 2 } });
    const read = env.store.read.bind(env.store);
    env.store.read = async (req: OnlineReadRequest): Promise<FeatureColumn[]> => {
      await sleep(150);
      return read(req);
    };
    const finished: string[] = [];
    // Two clients as two peer addresses: the loopback range is all ours.
    const post = (who: string, localAddress: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify(small);
        const url = new URL(env.url);
        const req = http.request(
          { host: url.hostname, port: url.port, path: '/get-online-features', method: 'POST', localAddress, agent: false,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => {
              finished.push(who);
              resolve(res.statusCode ?? 0);
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const flood = Array.from({ length: 12 }, () => post('flooder', '127.0.0.1'));
      // 12 flood reads plus the /metrics request itself; then a moment for the flood to reach the read gate.
      await vi.waitFor(async () => expect(await scrape(env, 'featureflow_http_requests_in_flight')).toBeGreaterThanOrEqual(13), { timeout: 10_000 });
      await sleep(50);
      const polite = await post('polite', '127.0.0.2');
      const statuses = await Promise.all(flood);
      const place = finished.indexOf('polite');
      figure('polite read behind a 12-read flood with 2 slots', `finished ${place + 1} of ${finished.length}`);
      expect(polite).toBe(200);
      expect(statuses.every((s) => s === 200)).toBe(true);
      // FIFO would put it 13th; round-robin admits it with the second freed slot at the latest (the flooder's queue
      // came first), so at most 2 running reads and 2 admitted with it or before it finish ahead of it.
      expect(place).toBeLessThanOrEqual(4);
    } finally {
      await env.teardown();
    }
  });
});
