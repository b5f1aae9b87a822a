/**
 * Materialization end to end against a real Redis: what is read back equals the engine's latest row per entity,
 * older ranges never overwrite newer values, and incremental watermarks move only after success.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, materializeIncremental } from '../../../src/materialize/index.js';
import type { MaterializeDeps } from '../../../src/materialize/materialize-view.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import type { OnlineStore } from '../../../src/online/types.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { HOUR, hoursAfterBase as t, sqlHours as sqlTs } from '../../helpers/recent-hours.js';

const prefix = freshPrefix();
const keyPrefix = `${prefix}ff`;
const raw = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });

let engine: TestEngine;
let store: RedisOnlineStore;
let deps: MaterializeDeps;

beforeAll(async () => {
  await raw.connect();
  engine = await testEngine(
    {
      project: 'mat',
      onlineStore: { url: redisUrl(), keyPrefix },
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      sources: [{ name: 'src', type: 'table', table: 'rows', createdTimestampField: 'created' }],
      featureViews: [
        { name: 'stats', entities: ['user'], source: 'src', ttl: '7d', schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'note', dtype: 'string' }] },
        { name: 'offline_only', entities: ['user'], source: 'src', online: false, schema: [{ name: 'clicks', dtype: 'int64' }] },
      ],
    },
    {
      // user 1: three hours of values with a correction at hour 2; user 2: one early value; user 3 only late.
      rows: `SELECT * FROM (VALUES
          (1, ${sqlTs(1)}, ${sqlTs(1)}, 10, 'one'),
          (1, ${sqlTs(2)}, ${sqlTs(2)}, 20, 'two'),
          (1, ${sqlTs(2)}, ${sqlTs(3)}, 21, 'two, corrected'),
          (1, ${sqlTs(5)}, ${sqlTs(5)}, 50, 'five'),
          (2, ${sqlTs(1)}, NULL, 7, NULL),
          (3, ${sqlTs(6)}, ${sqlTs(6)}, 60, 'six')
        ) t(user_id, event_timestamp, created, clicks, note)`,
    },
  );
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  deps = { ctx: engine.ctx, store };
});

afterAll(async () => {
  await store.close();
  engine.close();
  await cleanupPrefix(raw, prefix);
  raw.disconnect();
});

async function readStats(userIds: number[]) {
  const layout = viewLayout(engine.ctx.repo, 'stats');
  const [clicks, note] = await store.read({
    entities: { user_id: userIds },
    features: [{ layout, feature: 'clicks' }, { layout, feature: 'note' }],
  });
  return userIds.map((_, i) => ({
    clicks: clicks?.values[i], note: note?.values[i], status: clicks?.statuses[i], event: clicks?.eventMicros[i],
  }));
}

describe('materialize', () => {
  it('writes the latest row per entity of [start, end) and reads it back', async () => {
    const [result] = await materialize(deps, ['stats'], t(0), t(3));
    expect(result).toMatchObject({ view: 'stats', rowsRead: 2, keysWritten: 2, keysSkippedOlder: 0, keysSkippedExpired: 0 });
    expect(await readStats([1, 2, 3])).toEqual([
      { clicks: 21, note: 'two, corrected', status: 'PRESENT', event: t(2).getTime() * 1000 },
      { clicks: 7, note: null, status: 'PRESENT', event: t(1).getTime() * 1000 },
      { clicks: null, note: null, status: 'NOT_FOUND', event: 0 },
    ]);
  });

  it('never lets an older range replace newer values, and a rerun writes nothing', async () => {
    await materialize(deps, ['stats'], t(3), t(7));
    const [older] = await materialize(deps, ['stats'], t(0), t(2));
    expect(older).toMatchObject({ rowsRead: 2, keysWritten: 0, keysSkippedOlder: 2 });
    const [again] = await materialize(deps, ['stats'], t(3), t(7));
    expect(again).toMatchObject({ keysWritten: 0, keysSkippedOlder: 2 });
    expect((await readStats([1, 3])).map((r) => r.clicks)).toEqual([50, 60]);
  });

  it('refuses a view that is not online, naming it', async () => {
    await expect(materialize(deps, ['offline_only'], t(0), t(3))).rejects.toThrow(/"offline_only" has online: false/);
  });
});

describe('materializeIncremental', () => {
  it('starts at end - ttl the first time, then continues from the recorded end', async () => {
    const fresh: MaterializeDeps = { ctx: engine.ctx, store };
    await raw.hdel(`${keyPrefix}:mat:__materialized`, 'stats');
    const [first] = await materializeIncremental(fresh, ['stats'], t(4));
    expect(first?.start).toBe(new Date(t(4).getTime() - 7 * 24 * HOUR).toISOString());
    expect(await store.getWatermark('mat', 'stats')).toMatchObject({ end: t(4).toISOString() });
    const [second] = await materializeIncremental(fresh, ['stats'], t(7));
    expect(second).toMatchObject({ start: t(4).toISOString(), end: t(7).toISOString(), rowsRead: 2 });
    expect(await materializeIncremental(fresh, ['stats'], t(7))).toEqual([]);
  });

  it('leaves the watermark unchanged when a write fails in the middle', async () => {
    await raw.hdel(`${keyPrefix}:mat:__materialized`, 'stats');
    await materializeIncremental(deps, ['stats'], t(2));
    const before = await store.getWatermark('mat', 'stats');
    let calls = 0;
    // Rows go out through writeFrames (rendered by DuckDB) or writeRows: the second write of either fails.
    const failing: OnlineStore = Object.assign(Object.create(store) as OnlineStore, {
      writeRows: async (...args: Parameters<OnlineStore['writeRows']>) => {
        calls += 1;
        if (calls === 2) throw new Error('redis went away');
        return store.writeRows(...args);
      },
      writeFrames: async (...args: Parameters<NonNullable<OnlineStore['writeFrames']>>) => {
        calls += 1;
        if (calls === 2) throw new Error('redis went away');
        return store.writeFrames(...args);
      },
    });
    await expect(
      materializeIncremental({ ctx: engine.ctx, store: failing }, ['stats'], t(7), { batchRows: 1 }),
    ).rejects.toThrow('redis went away');
    expect(calls).toBe(2);
    expect(await store.getWatermark('mat', 'stats')).toEqual(before);
    const [retry] = await materializeIncremental(deps, ['stats'], t(7));
    expect(retry?.start).toBe(t(2).toISOString());
  });
});

describe('watermarks never pass now', () => {
  it('refuses an incremental END later than now, leaving the watermark where it was', async () => {
    const before = await store.getWatermark('mat', 'stats');
    await expect(materializeIncremental(deps, ['stats'], new Date('2099-01-01T00:00:00Z'))).rejects.toMatchObject({
      code: 'END_IN_FUTURE',
      message: expect.stringContaining('END 2099-01-01T00:00:00.000Z is later than now'),
    });
    expect(await store.getWatermark('mat', 'stats')).toEqual(before);
  });

  it('holds the watermark of a range run ending tomorrow back to now, so the next incremental run still runs', async () => {
    await raw.hdel(`${keyPrefix}:mat:__materialized`, 'stats');
    await materializeIncremental(deps, ['stats'], t(4));
    const tomorrow = new Date(Date.now() + 24 * HOUR);
    const beforeRun = Date.now();
    await materialize(deps, ['stats'], t(4), tomorrow);
    const end = Date.parse((await store.getWatermark('mat', 'stats'))?.end ?? '');
    expect(end).toBeLessThan(tomorrow.getTime());
    expect(end).toBeGreaterThanOrEqual(beforeRun);
    expect(end).toBeLessThanOrEqual(Date.now() + 5 * 60 * 1000);
  });
});

describe('watermarks of backfill chunks', () => {
  it('never records a first watermark, and only moves one that the chunk joins up with', async () => {
    const key = `${keyPrefix}:mat:__materialized`;
    await raw.hdel(key, 'stats');
    await materialize(deps, ['stats'], t(3), t(4), { onlyAdvanceWatermark: true });
    expect(await store.getWatermark('mat', 'stats')).toBeUndefined();
    await materialize(deps, ['stats'], t(0), t(2));
    await materialize(deps, ['stats'], t(3), t(4), { onlyAdvanceWatermark: true });
    expect((await store.getWatermark('mat', 'stats'))?.end).toBe(t(2).toISOString());
    await materialize(deps, ['stats'], t(2), t(3), { onlyAdvanceWatermark: true });
    expect((await store.getWatermark('mat', 'stats'))?.end).toBe(t(3).toISOString());
  });
});
