// `featureflow watermarks` against real Redis, under a fresh key prefix: list, reset back, clear, and the view a
// future watermark froze materializing again afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watermarksKey } from '../../../src/online/keys.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { WatermarkRepair } from '../../../src/online/watermark-repair.js';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { runCli } from '../../helpers/cli.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const prefix = freshPrefix().replace(/:$/, '');
const project = apiRepoInput().project as string;
const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
let store: RedisOnlineStore;
let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ff-cli-watermarks-'));
  config = path.join(dir, 'featureflow.json');
  await writeFile(config, JSON.stringify(apiRepoInput({ url: redisUrl(), keyPrefix: prefix })));
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix: prefix });
});

afterAll(async () => {
  await store.close();
  await cleanupPrefix(redis, `${prefix}:`);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli('watermarks', ...args, '--config', config);

/** What the last materialization of `user_stats` recorded: a run whose END was 2099 (before ENDs were checked). */
async function freezeUserStats(): Promise<void> {
  await store.setWatermark(project, 'user_stats', {
    end: '2099-01-01T00:00:00.000Z',
    at: '2024-05-01T11:00:00.000Z',
    newestEvent: '2024-05-01T10:59:00.000Z',
  });
}

describe('featureflow watermarks', () => {
  it('lists each online view with its watermark end, recorded-at and newest event, flagging a future end', async () => {
    await freezeUserStats();
    await store.advanceWatermark(project, 'merchant_stats', { mode: 'record', end: '2024-05-01T00:00:00.000Z', at: '2024-05-01T00:00:05.000Z' });
    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/user_stats +2099-01-01T00:00:00.000Z +2024-05-01T11:00:00.000Z +2024-05-01T10:59:00.000Z +in the future/);
    expect(table.out).toMatch(/merchant_stats +2024-05-01T00:00:00.000Z +2024-05-01T00:00:05.000Z +- *\n/);
    expect(table.out).toMatch(/user_profile +none/);
    const json = await cli('list', '--json');
    const views = (JSON.parse(json.out) as { project: string; views: Array<{ view: string }> }).views;
    expect(views.find((v) => v.view === 'user_stats')).toEqual({
      view: 'user_stats',
      end: '2099-01-01T00:00:00.000Z',
      at: '2024-05-01T11:00:00.000Z',
      newestEvent: '2024-05-01T10:59:00.000Z',
      future: true,
      inRepo: true,
    });
  });

  it('resets a frozen view back, printing old -> new and keeping when it was materialized and its newest event', async () => {
    await freezeUserStats();
    const reset = await cli('reset', 'user_stats', '2024-05-01T00:00:00Z');
    expect(reset.code).toBe(0);
    expect(reset.out).toContain('user_stats: 2099-01-01T00:00:00.000Z -> 2024-05-01T00:00:00.000Z');
    expect(await store.getWatermark(project, 'user_stats')).toEqual({
      end: '2024-05-01T00:00:00.000Z',
      at: '2024-05-01T11:00:00.000Z',
      newestEvent: '2024-05-01T10:59:00.000Z',
    });
    // The next run joins up with the reset watermark, so the forward-only update moves it again: the view is unfrozen.
    const after = await store.advanceWatermark(project, 'user_stats', {
      mode: 'record',
      start: '2024-05-01T00:00:00.000Z',
      end: '2024-05-02T00:00:00.000Z',
      at: '2024-05-02T00:00:01.000Z',
    });
    expect(after?.end).toBe('2024-05-02T00:00:00.000Z');
  });

  it('clears a watermark with --clear or none, so the next run starts from the view default', async () => {
    await freezeUserStats();
    const clear = await cli('reset', 'user_stats', '--clear', '--json');
    expect(clear.code).toBe(0);
    expect(JSON.parse(clear.out)).toEqual({ project, view: 'user_stats', old: '2099-01-01T00:00:00.000Z', new: null });
    expect(await redis.hexists(watermarksKey(prefix, project), 'user_stats')).toBe(0);
    const again = await cli('reset', 'user_stats', 'none');
    expect(again.out).toContain('user_stats: none -> none');
  });

  it('sets a first watermark for a view that has none', async () => {
    const reset = await cli('reset', 'pair_stats', '2024-04-01');
    expect(reset.out).toContain('pair_stats: none -> 2024-04-01T00:00:00.000Z');
    expect((await store.getWatermark(project, 'pair_stats'))?.end).toBe('2024-04-01T00:00:00.000Z');
  });

  it('refuses a future TIME and an unknown view, leaving the stored watermark alone', async () => {
    await freezeUserStats();
    const future = await cli('reset', 'user_stats', '2099-06-01');
    expect(future.code).toBe(1);
    expect(future.err).toContain('[END_IN_FUTURE]');
    const unknown = await cli('reset', 'users', '2024-05-01');
    expect(unknown.err).toContain('unknown feature view "users"; online views: user_stats, user_profile, merchant_stats, pair_stats');
    expect((await store.getWatermark(project, 'user_stats'))?.end).toBe('2099-01-01T00:00:00.000Z');
  });

  it('lists and repairs a watermark that is not readable JSON', async () => {
    await redis.hset(watermarksKey(prefix, project), 'user_profile', 'not json');
    expect((await cli('list')).out).toMatch(/user_profile +unreadable .*is not JSON/);
    const reset = await cli('reset', 'user_profile', '2024-05-01');
    expect(reset.code).toBe(0);
    expect(reset.out).toContain('user_profile: unreadable "not json" -> 2024-05-01T00:00:00.000Z');
    expect((await store.getWatermark(project, 'user_profile'))?.end).toBe('2024-05-01T00:00:00.000Z');
  });

  it("does not lose a run's update that lands between the read and the write of a reset", async () => {
    await freezeUserStats();
    // On the test's own connection, so the interfering write reaches Redis before the reset's compare-and-set.
    const repair = new WatermarkRepair(redis, prefix, (err) => err as Error);
    let calls = 0;
    const old = await repair.replace(project, 'user_stats', (stored) => {
      calls += 1;
      // The first time, a run records a newer event right after the reset read the watermark.
      if (calls === 1) void redis.hset(watermarksKey(prefix, project), 'user_stats', JSON.stringify({ end: '2099-01-01T00:00:00.000Z', at: '2024-05-01T12:00:00.000Z', newestEvent: '2024-05-01T11:59:00.000Z' }));
      const w = stored && 'watermark' in stored ? stored.watermark : undefined;
      return { end: '2024-05-01T00:00:00.000Z', at: w?.at ?? '2024-05-01T00:00:00.000Z', ...(w?.newestEvent ? { newestEvent: w.newestEvent } : {}) };
    });
    expect(calls).toBe(2);
    expect(old).toMatchObject({ watermark: { newestEvent: '2024-05-01T11:59:00.000Z' } });
    expect(await store.getWatermark(project, 'user_stats')).toEqual({
      end: '2024-05-01T00:00:00.000Z',
      at: '2024-05-01T12:00:00.000Z',
      newestEvent: '2024-05-01T11:59:00.000Z',
    });
  });
});
