// Watermarks only ever move forward: the compare-and-set script against a real Redis, its rules one by one, and
// writers in separate processes racing on one view.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watermarksKey } from '../../../src/online/keys.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import type { WatermarkAdvance } from '../../../src/online/types.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const WRITER = fileURLToPath(new URL('./fixtures/watermark-writer.ts', import.meta.url));
const keyPrefix = `${freshPrefix()}ff`;
const raw = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
let store: RedisOnlineStore;
let views = 0;
const freshView = (): string => `v${++views}`;

const run = (start: string | undefined, end: string, extra: Partial<WatermarkAdvance> = {}): WatermarkAdvance => ({
  mode: 'record',
  start,
  end,
  at: '2024-06-01T00:00:00.000Z',
  ...extra,
});

beforeAll(async () => {
  await raw.connect();
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
});

afterAll(async () => {
  await store?.close();
  await cleanupPrefix(raw, keyPrefix);
  raw.disconnect();
});

describe('advancing a watermark', () => {
  it('records the first run, then moves forward only with runs that join up', async () => {
    const view = freshView();
    expect(await store.advanceWatermark('p', view, run(undefined, '2024-01-02T00:00:00.000Z'))).toEqual({
      end: '2024-01-02T00:00:00.000Z',
      at: '2024-06-01T00:00:00.000Z',
    });
    // joins up (start <= recorded end): moves
    const moved = await store.advanceWatermark('p', view, run('2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z'));
    expect(moved?.end).toBe('2024-01-03T00:00:00.000Z');
    // a far-off range leaves a gap: the end stays
    const gap = await store.advanceWatermark('p', view, run('2024-02-01T00:00:00.000Z', '2024-02-02T00:00:00.000Z'));
    expect(gap?.end).toBe('2024-01-03T00:00:00.000Z');
    // an older run finishing late never moves it back
    const late = await store.advanceWatermark('p', view, run('2024-01-01T00:00:00.000Z', '2024-01-02T12:00:00.000Z'));
    expect(late?.end).toBe('2024-01-03T00:00:00.000Z');
    expect(await store.getWatermark('p', view)).toEqual(late);
  });

  it('lets a stale run record after a newer one without undoing it (the race a read-then-write loses)', async () => {
    const view = freshView();
    await store.advanceWatermark('p', view, run(undefined, '2024-01-01T00:00:00.000Z'));
    // Two runs both started from the 1st; the one reaching the 5th finishes first, the one reaching the 3rd after.
    await store.advanceWatermark('p', view, run('2024-01-01T00:00:00.000Z', '2024-01-05T00:00:00.000Z', { newestEvent: '2024-01-04T23:00:00.000Z', at: '2024-06-01T00:00:02.000Z' }));
    const after = await store.advanceWatermark('p', view, run('2024-01-01T00:00:00.000Z', '2024-01-03T00:00:00.000Z', { newestEvent: '2024-01-02T23:00:00.000Z', at: '2024-06-01T00:00:01.000Z' }));
    expect(after).toEqual({ end: '2024-01-05T00:00:00.000Z', newestEvent: '2024-01-04T23:00:00.000Z', at: '2024-06-01T00:00:02.000Z' });
  });

  it('lets backfill chunks only move an existing watermark, never record a first one', async () => {
    const view = freshView();
    const chunk = run('2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z', { mode: 'advance' });
    expect(await store.advanceWatermark('p', view, chunk)).toBeUndefined();
    expect(await store.getWatermark('p', view)).toBeUndefined();
    await store.advanceWatermark('p', view, run(undefined, '2024-01-02T00:00:00.000Z'));
    expect((await store.advanceWatermark('p', view, chunk))?.end).toBe('2024-01-03T00:00:00.000Z');
  });

  it('keeps the newest event and the finish time at their maximum', async () => {
    const view = freshView();
    await store.advanceWatermark('p', view, run(undefined, '2024-01-02T00:00:00.000Z', { newestEvent: '2024-01-01T20:00:00.000Z' }));
    const next = await store.advanceWatermark(
      'p',
      view,
      run('2024-01-01T00:00:00.000Z', '2024-01-01T12:00:00.000Z', { newestEvent: '2024-01-01T11:00:00.000Z', at: '2024-05-01T00:00:00.000Z' }),
    );
    expect(next).toEqual({ end: '2024-01-02T00:00:00.000Z', newestEvent: '2024-01-01T20:00:00.000Z', at: '2024-06-01T00:00:00.000Z' });
  });

  it('compares instants, not text, when another tool stored them with an offset', async () => {
    const view = freshView();
    // 2024-01-02T01:00+02:00 is 2024-01-01T23:00Z: a run from 23:30Z does not join up, one from 22:00Z does.
    await raw.hset(watermarksKey(keyPrefix, 'p'), view, JSON.stringify({ end: '2024-01-02T01:00:00+02:00', at: '2024-01-02T01:00:00+02:00' }));
    expect((await store.advanceWatermark('p', view, run('2024-01-01T23:30:00.000Z', '2024-01-03T00:00:00.000Z')))?.end).toBe('2024-01-02T01:00:00+02:00');
    expect((await store.advanceWatermark('p', view, run('2024-01-01T22:00:00.000Z', '2024-01-03T00:00:00.000Z')))?.end).toBe('2024-01-03T00:00:00.000Z');
  });

  it('refuses to touch a stored watermark it cannot read, and says which view', async () => {
    const view = freshView();
    await raw.hset(watermarksKey(keyPrefix, 'p'), view, '{"end":"yesterday"}');
    await expect(store.advanceWatermark('p', view, run(undefined, '2024-01-02T00:00:00.000Z'))).rejects.toMatchObject({
      code: 'ONLINE_VALUE_CORRUPT',
      message: expect.stringContaining(`"${view}"`),
    });
    expect(await raw.hget(watermarksKey(keyPrefix, 'p'), view)).toBe('{"end":"yesterday"}');
  });

  it('rejects an update whose instants are not ISO-8601, naming the field', async () => {
    await expect(store.advanceWatermark('p', freshView(), run('soon', '2024-01-02T00:00:00.000Z'))).rejects.toMatchObject({
      code: 'INVALID_WATERMARK',
      message: expect.stringContaining('start'),
    });
  });
});

describe('writers racing in separate processes', () => {
  it('never move the watermark back, and leave it at the largest end any of them reached', { timeout: 120_000 }, async () => {
    const view = freshView();
    const key = watermarksKey(keyPrefix, 'race');
    const writers = [11, 22, 33, 44].map((seed) => runWriter([redisUrl(), keyPrefix, 'race', view, '300', String(seed)]));
    let finished = false;
    const all = Promise.all(writers).finally(() => (finished = true));
    // Watch the stored end the whole time: it may only grow. Asserted once the writers are done, so a failure never
    // leaves them writing after the cleanup.
    let previous = 0;
    let observations = 0;
    const movedBack: string[] = [];
    while (!finished) {
      const text = await raw.hget(key, view);
      if (text !== null) {
        const end = Date.parse((JSON.parse(text) as { end: string }).end);
        if (end < previous) movedBack.push(`${new Date(previous).toISOString()} -> ${new Date(end).toISOString()}`);
        previous = Math.max(previous, end);
        observations++;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const reached = (await all).map((r) => Date.parse(r.maxEnd));
    expect(movedBack).toEqual([]);
    expect(observations).toBeGreaterThan(0);
    expect((await store.getWatermark('race', view))?.end).toBe(new Date(Math.max(...reached)).toISOString());
  });
});

function runWriter(args: string[]): Promise<{ maxEnd: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { maxEnd: string }) : reject(new Error(`writer exited with ${code}`))));
  });
}
