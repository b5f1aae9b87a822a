// Batched reads against a real Redis: every status, several views, schema changes, watermarks.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptOnlineValueError, InvalidEntityKeyError, InvalidWatermarkError } from '../../../src/online/errors.js';
import { watermarksKey } from '../../../src/online/keys.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import type { FeatureColumn, ViewLayout } from '../../../src/online/types.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const prefix = freshPrefix();
const keyPrefix = `${prefix}ff`;
const raw = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
let store: RedisOnlineStore;

const users: ViewLayout = {
  project: 'p',
  view: 'users',
  features: ['clicks', 'name', 'scores'],
  dtypes: ['int64', 'string', 'float32[]'],
  joinKeys: ['user_id'],
  keyTypes: ['int64'],
  ttlSeconds: 7 * 86_400,
};
const pairs: ViewLayout = {
  project: 'p',
  view: 'pairs',
  features: ['amount'],
  dtypes: ['float64'],
  joinKeys: ['user_id', 'merchant'],
  keyTypes: ['int64', 'string'],
  ttlSeconds: 0,
};

beforeAll(async () => {
  await raw.connect();
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
});

afterAll(async () => {
  await store?.close();
  await cleanupPrefix(raw, prefix);
  await raw.quit();
});

describe('read', () => {
  it('reads many entities x two views in order, with all four statuses', async () => {
    const now = Date.now();
    const fresh = BigInt(now - 60_000) * 1000n;
    const old = BigInt(now - 3 * 86_400_000) * 1000n; // inside the 7d TTL when written, outside a 1d TTL
    const usersId = await store.registerLayout(users);
    const rows = [];
    for (let id = 0; id < 300; id++) {
      if (id % 3 === 2) continue; // NOT_FOUND for every third user
      rows.push(encodeRow(users, [id], id % 3 === 1 ? old : fresh, null, [id === 4 ? null : 2n ** 60n + BigInt(id), `u${id}`, [0.1, null]]));
    }
    await store.writeRows(users, usersId, rows);
    const pairsId = await store.registerLayout(pairs);
    await store.writeRows(pairs, pairsId, [encodeRow(pairs, [0, 'shop a'], fresh, null, [NaN]), encodeRow(pairs, [3, 'b'], fresh, null, [1.5])]);

    const ids = Array.from({ length: 300 }, (_, i) => i);
    const entities = { user_id: ids.map((i) => (i % 2 ? String(i) : i)), merchant: ids.map((i) => (i === 0 ? 'shop a' : 'b')) };
    const strict = { ...users, ttlSeconds: 86_400 };
    const columns = await store.read({
      entities,
      features: [
        { layout: users, feature: 'name' },
        { layout: pairs, feature: 'amount' },
        { layout: strict, feature: 'clicks' },
        { layout: users, feature: 'scores' },
      ],
      nowMs: now,
    });
    expect(columns).toHaveLength(4);
    const [names, amounts, clicks, scores] = columns as [FeatureColumn, FeatureColumn, FeatureColumn, FeatureColumn];
    for (let id = 0; id < 300; id++) {
      if (id % 3 === 2) {
        expect(names.statuses[id]).toBe('NOT_FOUND');
        expect(names.values[id]).toBeNull();
        expect(names.eventMicros[id]).toBe(0);
      } else {
        expect(names.statuses[id]).toBe('PRESENT'); // 3 days old is within the 7d TTL
        expect(names.values[id]).toBe(`u${id}`);
        expect(names.eventMicros[id]).toBe(Number(id % 3 === 1 ? old : fresh));
      }
    }
    // users read through a layout whose TTL is 1d: the 3-day-old rows are OUTSIDE_MAX_AGE, value still returned.
    expect(clicks.statuses.slice(0, 6)).toEqual(['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND', 'PRESENT', 'NULL_VALUE', 'NOT_FOUND']);
    expect(clicks.values.slice(0, 2)).toEqual(['1152921504606846976', '1152921504606846977']);
    expect(clicks.eventMicros[4]).toBe(Number(old));
    expect(scores.values[0]).toEqual([0.1, null]);
    expect(amounts.statuses.slice(0, 5)).toEqual(['PRESENT', 'NOT_FOUND', 'NOT_FOUND', 'PRESENT', 'NOT_FOUND']);
    expect(amounts.values.slice(0, 4)).toEqual(['NaN', null, null, 1.5]);
  });

  it('marks values older than the TTL when "now" is far ahead', async () => {
    const now = Date.now();
    const columns = await store.read({ entities: { user_id: [0] }, features: [{ layout: users, feature: 'name' }], nowMs: now + 30 * 86_400_000 });
    expect(columns[0]?.statuses).toEqual(['OUTSIDE_MAX_AGE']);
    expect(columns[0]?.values).toEqual(['u0']);
  });

  it('reads rows written under an older feature list after the view gains a feature', async () => {
    const v1: ViewLayout = { project: 'p', view: 'evolving', features: ['a', 'b'], dtypes: ['int64', 'int64'], joinKeys: ['id'], keyTypes: [undefined], ttlSeconds: 0 };
    const v2: ViewLayout = { ...v1, features: ['c', 'b', 'a'], dtypes: ['string', 'int64', 'int64'] };
    const t = BigInt(Date.now()) * 1000n;
    await store.writeRows(v1, await store.registerLayout(v1), [encodeRow(v1, ['old'], t, null, [1, 2])]);
    await store.writeRows(v2, await store.registerLayout(v2), [encodeRow(v2, ['new'], t, null, ['x', 20, 10])]);
    // A fresh store has no cached schemas: it must fetch both schema keys.
    const reader = await connectOnlineStore({ url: redisUrl(), keyPrefix });
    try {
      const [a, b, c] = await reader.read({
        entities: { id: ['old', 'new'] },
        features: ['a', 'b', 'c'].map((feature) => ({ layout: v2, feature })),
      });
      expect(a).toMatchObject({ values: [1, 10], statuses: ['PRESENT', 'PRESENT'] });
      expect(b).toMatchObject({ values: [2, 20], statuses: ['PRESENT', 'PRESENT'] });
      // The old row was written before "c" existed: nothing is stored for it, so NOT_FOUND (not NULL_VALUE).
      expect(c).toMatchObject({ values: [null, 'x'], statuses: ['NOT_FOUND', 'PRESENT'] });
      expect(c?.eventMicros[0]).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it('returns empty columns for zero entity rows', async () => {
    const columns = await store.read({ entities: { user_id: [] }, features: [{ layout: users, feature: 'name' }] });
    expect(columns).toEqual([{ values: [], statuses: [], eventMicros: [] }]);
  });

  it('rejects bad entity input before touching Redis, naming the field', async () => {
    const read = (entities: Record<string, unknown[]>) => store.read({ entities, features: [{ layout: pairs, feature: 'amount' }] });
    await expect(read({ user_id: [1, 'abc'], merchant: ['a', 'b'] })).rejects.toThrow(/^entities\.user_id\[1\]: "abc" is not an int64$/);
    await expect(read({ user_id: [1] })).rejects.toThrow(/entities\.merchant: missing/);
    await expect(read({ user_id: [1, 2], merchant: ['a'] })).rejects.toThrow(InvalidEntityKeyError);
  });

  it('reports a stored value that is not ours as corrupt', async () => {
    await raw.set(`${keyPrefix}:p:{i999}:users`, 'garbage');
    await expect(store.read({ entities: { user_id: [999] }, features: [{ layout: users, feature: 'name' }] })).rejects.toThrow(CorruptOnlineValueError);
  });
});

describe('watermarks', () => {
  it('round-trip per view and are undefined before the first one', async () => {
    expect(await store.getWatermark('p', 'users')).toBeUndefined();
    const watermark = { end: '2024-05-02T00:00:00.000Z', at: '2024-05-02T00:01:00.000Z', newestEvent: '2024-05-01T23:59:00.000Z' };
    await store.setWatermark('p', 'users', watermark);
    await store.setWatermark('p', 'pairs', { end: '2024-05-03T00:00:00Z', at: '2024-05-03T00:00:01Z' });
    expect(await store.getWatermark('p', 'users')).toEqual(watermark);
    expect(await store.getWatermark('p', 'pairs')).toEqual({ end: '2024-05-03T00:00:00Z', at: '2024-05-03T00:00:01Z' });
  });

  it('are validated on the way in and out', async () => {
    await expect(store.setWatermark('p', 'x', { end: 'yesterday', at: '2024-05-03T00:00:01Z' })).rejects.toThrow(InvalidWatermarkError);
    await raw.hset(watermarksKey(keyPrefix, 'p'), 'broken', '{"end":1}');
    await expect(store.getWatermark('p', 'broken')).rejects.toThrow(/watermark of "broken" is invalid: end:/);
  });

  it('ping answers while Redis is up', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
