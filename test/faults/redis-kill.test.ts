/**
 * Fault criterion 2: Redis SIGKILLed in the middle of a 200,000-entity materialization and restarted empty (no
 * persistence), while the API serves from it. Pass: the failed run records no watermark, a rerun with the same store
 * object completes and leaves exactly the keys of a materialization into a Redis that was never killed; the API
 * answers 503 within 1 s of the kill (every answer during the outage within 1 s, no hanging request, no 500) and 200
 * again within 5 s of Redis being back, without a restart of anything of ours.
 * Both redis-servers are the test's own (random ports); the shared Redis is never touched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, type ApiServer } from '../../src/api/server.js';
import { silentLogger } from '../../src/api/logger.js';
import { materialize, materializeIncremental } from '../../src/materialize/index.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../src/online/redis-store.js';
import type { TestEngine } from '../helpers/engine.js';
import { freshPrefix } from '../helpers/redis.js';
import { Redis } from 'ioredis';
import { faultEngine, keysDigest, PROJECT, VIEW } from './helpers/redis-fixture.js';
import { startProber } from './helpers/redis-prober.js';
import { OwnRedis } from '../helpers/own-redis.js';

const ENTITIES = 200_000;
/** The kill lands once this share of the rows has been written: mid-run by construction, not by timing. */
const KILL_AT_SHARE = 0.3;
const OUTAGE_MS = 3000;
const DAY = 86_400_000;

const keyPrefix = freshPrefix().replace(/:$/, '');
let victim: OwnRedis;
let never: OwnRedis;
let engine: TestEngine;
let store: RedisOnlineStore;
let api: ApiServer;
let baseUrl: string;

beforeAll(async () => {
  [victim, never] = await Promise.all([OwnRedis.create(), OwnRedis.create()]);
  engine = await faultEngine(victim.url, keyPrefix, ENTITIES);
  store = await connectOnlineStore({ url: victim.url, keyPrefix });
  api = createServer({ repo: engine.ctx.repo, store, logger: silentLogger });
  baseUrl = (await api.listen(0)).url;
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  engine?.close();
  await Promise.all([victim?.dispose(), never?.dispose()]);
});

async function storeErrorsMetric(): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^featureflow_online_store_errors_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function digestOf(server: OwnRedis): Promise<{ keys: number; sha256: string }> {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  try {
    return await keysDigest(redis, `${keyPrefix}:`);
  } finally {
    redis.disconnect();
  }
}

const ms = (n: number): string => `${Math.round(n)} ms`;

describe('Redis SIGKILLed mid-materialization and restarted empty', () => {
  it('fails the run without a watermark, serves 503 fast, recovers by itself, and a rerun equals the reference', async () => {
    const start = new Date(Date.now() - 7 * DAY);
    const end = new Date();

    // The reference: the same range into a Redis that is never killed.
    const reference = await connectOnlineStore({ url: never.url, keyPrefix });
    try {
      await materialize({ ctx: engine.ctx, store: reference }, [VIEW], start, end);
    } finally {
      await reference.close();
    }
    const expected = await digestOf(never);

    const prober = startProber(baseUrl, { features: [`${VIEW}:clicks`], entities: { user_id: [1, 2, 3] } });
    await prober.waitFor(200, performance.now(), 10_000);
    const errorsBefore = await storeErrorsMetric();
    const watermarkCalls = vi.spyOn(store, 'advanceWatermark');

    // The run that loses its Redis: SIGKILL from the progress callback once KILL_AT_SHARE of the rows are written.
    let killAt = 0;
    let rowsAtKill = 0;
    let killed: Promise<void> | undefined;
    const failed = await materialize({ ctx: engine.ctx, store }, [VIEW], start, end, {
      onProgress: (p) => {
        if (killed || p.done || p.rowsDone < ENTITIES * KILL_AT_SHARE) return;
        rowsAtKill = p.rowsDone;
        killAt = performance.now();
        killed = victim.kill();
      },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await killed;
    expect(killAt, 'the kill landed during the run').toBeGreaterThan(0);
    expect(failed).toMatchObject({ code: 'ONLINE_STORE_UNAVAILABLE', retryable: true });
    const watermarksByFailedRun = watermarkCalls.mock.calls.length;
    expect(watermarksByFailedRun).toBe(0);

    // The outage: the API keeps answering; readiness fails, liveness holds, the metric counts.
    await prober.waitFor(503, killAt, 5000);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const ready = await fetch(`${baseUrl}/ready`);
    const health = await fetch(`${baseUrl}/health`);
    const errorsDuring = await storeErrorsMetric();

    const restartAt = performance.now();
    await victim.start();
    const backAt = performance.now();
    const firstOk = await prober.waitFor(200, backAt, 10_000);
    await prober.stop();
    const errorsAfter = await storeErrorsMetric();
    // Redis came back empty: no watermark survived, and the failed run never wrote one.
    const watermarkAfterRestart = await store.getWatermark(PROJECT, VIEW);

    // The rerun, with the same store object that lived through the outage.
    const [rerun] = await materialize({ ctx: engine.ctx, store }, [VIEW], start, end);
    const actual = await digestOf(victim);
    const watermark = await store.getWatermark(PROJECT, VIEW);
    const served = await fetch(`${baseUrl}/get-online-features`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ features: [`${VIEW}:clicks`, `${VIEW}:note`], entities: { user_id: [7, 199_999] } }),
    });
    const servedBody = (await served.json()) as { results: Array<{ values: unknown[] }> };

    const outage = prober.probes.filter((p) => p.doneAt >= killAt && p.sentAt < backAt);
    const first503 = outage.find((p) => p.status === 503);
    const slowest = outage.reduce((max, p) => Math.max(max, p.doneAt - p.sentAt), 0);
    const statuses = countBy(prober.probes, (p) => String(p.status));
    const equal = actual.keys === expected.keys && actual.sha256 === expected.sha256;
    console.log(`FAULT-FIGURE: redis kill: SIGKILL after ${rowsAtKill} of ${ENTITIES} rows written; the run failed with ${(failed as { code?: string }).code}, watermark recorded by it: ${watermarksByFailedRun > 0 ? 'yes' : 'no'}`);
    console.log(`FAULT-FIGURE: redis kill: time to first 503 after the kill ${ms((first503?.doneAt ?? NaN) - killAt)}; slowest answer during the outage ${ms(slowest)} over ${outage.length} requests (${first503 ? outage.filter((p) => p.status === 503).length : 0} x 503)`);
    console.log(`FAULT-FIGURE: redis kill: time to first 200 after Redis was back ${ms(firstOk.doneAt - backAt)} (${ms(firstOk.doneAt - restartAt)} after the restart began); statuses seen ${JSON.stringify(statuses)}`);
    console.log(`FAULT-FIGURE: redis kill: /ready during the outage ${ready.status}, /health ${health.status}; featureflow_online_store_errors_total ${errorsBefore} before, ${errorsDuring} during, ${errorsAfter} after`);
    console.log(`FAULT-FIGURE: redis kill: rerun wrote ${rerun?.keysWritten} keys; keys equal to the never-killed reference: ${equal ? 'yes' : 'no'} (${actual.keys} vs ${expected.keys}); watermark after restart ${watermarkAfterRestart ? 'present' : 'absent'}, after the rerun ${watermark?.end ?? 'absent'}`);

    expect(first503).toBeDefined();
    expect(first503!.doneAt - killAt).toBeLessThanOrEqual(1000);
    expect(slowest).toBeLessThanOrEqual(1000);
    expect(outage.every((p) => p.status === 503 || p.status === 200)).toBe(true);
    expect(Object.keys(statuses).sort()).toEqual(['200', '503']);
    expect(firstOk.doneAt - backAt).toBeLessThanOrEqual(5000);
    expect([ready.status, health.status]).toEqual([503, 200]);
    expect(errorsDuring).toBeGreaterThan(errorsBefore);
    expect(watermarkAfterRestart).toBeUndefined();
    expect(rerun?.keysWritten).toBe(ENTITIES);
    expect(actual).toEqual(expected);
    expect(watermark?.end).toBe(end.toISOString());
    expect(watermarkCalls).toHaveBeenCalledTimes(1);
    expect(served.status).toBe(200);
    expect(servedBody.results.slice(1).map((r) => r.values)).toEqual([
      [7, 199_999].map((user) => user * 31 + latestRowOf(user)),
      [7, 199_999].map((user) => `user ${user} row ${latestRowOf(user)}`),
    ]);
  });
  const runs = {
    // A range run, and an incremental one (the first for the view: from END - ttl), each checked on its own.
    materialize: (start: Date, end: Date) => materialize({ ctx: engine.ctx, store }, [VIEW], start, end),
    materializeIncremental: (_start: Date, end: Date) => materializeIncremental({ ctx: engine.ctx, store }, [VIEW], end),
  };

  it.each(Object.keys(runs) as Array<keyof typeof runs>)('%s records no watermark over rows lost to a restart between two batches of a run that then completes', async (kind) => {
    // Start from an empty server, and make the restart land when no write is in flight: writes go one at a time,
    // and Redis is killed and started again (empty) right after the third one was acknowledged. Every connection
    // reconnects by itself, so the rest of the run succeeds, on a Redis that lost the first three batches.
    await victim.kill();
    await victim.start();
    await expect.poll(() => store.ping().then(() => true, () => false), { timeout: 10_000, interval: 100 }).toBe(true);
    const start = new Date(Date.now() - 7 * DAY);
    const end = new Date();
    // Materialization writes DuckDB-rendered groups (writeFrames) on a standalone Redis; both write paths are held.
    const writeRows = store.writeRows.bind(store);
    const writeFrames = store.writeFrames.bind(store);
    let writes = 0;
    let queue: Promise<unknown> = Promise.resolve();
    const serially = <T>(write: () => Promise<T>): Promise<T> => {
      const next = queue.then(async () => {
        const result = await write();
        if (++writes === 3) {
          await victim.kill();
          await victim.start();
        }
        return result;
      });
      queue = next.catch(() => undefined);
      return next;
    };
    const rowsOneAtATime = vi.spyOn(store, 'writeRows').mockImplementation((layout, schemaId, rows) => serially(() => writeRows(layout, schemaId, rows)));
    const framesOneAtATime = vi.spyOn(store, 'writeFrames').mockImplementation((layout, batch) => serially(() => writeFrames(layout, batch)));
    const outcome = await runs[kind](start, end).then(
      (results) => results,
      (err: unknown) => err,
    );
    rowsOneAtATime.mockRestore();
    framesOneAtATime.mockRestore();
    expect(writes).toBeGreaterThan(3);
    const watermark = await store.getWatermark(PROJECT, VIEW);
    const left = await digestOf(victim);
    console.log(
      `FAULT-FIGURE: redis restart between batches of ${kind}: the run ${Array.isArray(outcome) ? 'completed' : `failed with ${(outcome as { code?: string }).code}`}; ` +
        `${left.keys} of ${ENTITIES + 1} keys present; watermark ${watermark ? `recorded up to ${watermark.end}` : 'not recorded'}`,
    );
    expect(left.keys).toBeLessThan(ENTITIES);
    expect(watermark).toBeUndefined();
    expect(outcome).toMatchObject({ code: 'ONLINE_STORE_UNAVAILABLE', retryable: true });

    // The rerun makes it whole, and only then is the watermark recorded.
    await runs[kind](start, end);
    expect((await digestOf(victim)).keys).toBe(ENTITIES + 1);
    expect((await store.getWatermark(PROJECT, VIEW))?.end).toBe(end.toISOString());
  });
});

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** Which of a user's two offline rows is the later one (the fixture's event-time formula). */
function latestRowOf(user: number): number {
  return (user * 7919 + 104_729) % 36_000 > (user * 7919) % 36_000 ? 1 : 0;
}
