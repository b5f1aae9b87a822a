// Newer-wins writes against a real Redis, under this file's own key prefix.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowKey } from '../../../src/online/keys.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow, parseStoredValue } from '../../../src/online/stored-value.js';
import type { EncodedRow, ViewLayout } from '../../../src/online/types.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const prefix = freshPrefix();
const keyPrefix = `${prefix}ff`;
const raw = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
let store: RedisOnlineStore;

const HOUR_MS = 3_600_000;
const layout = (view: string, ttlSeconds = 0): ViewLayout => ({
  project: 'p',
  view,
  features: ['n'],
  dtypes: ['int64'],
  joinKeys: ['id'],
  keyTypes: ['int64'],
  ttlSeconds,
});
const row = (l: ViewLayout, id: number, eventMs: number, createdMs: number | null, n: number): EncodedRow =>
  encodeRow(l, [id], BigInt(eventMs) * 1000n, createdMs === null ? null : BigInt(createdMs) * 1000n, [n]);

async function stored(l: ViewLayout, id: number): Promise<unknown> {
  const text = await raw.get(rowKey(keyPrefix, l.project, l.view, `i${id}`));
  return text === null ? null : (JSON.parse(parseStoredValue(text).payload) as unknown[])[0];
}

beforeAll(async () => {
  await raw.connect();
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix, batchSize: 7, concurrency: 3 });
});

afterAll(async () => {
  await store?.close();
  await cleanupPrefix(raw, prefix);
  await raw.quit();
});

describe('writeRows', () => {
  it('keeps the newest (event, created) whatever order rows arrive in', async () => {
    const l = layout('order');
    const schemaId = await store.registerLayout(l);
    const t = Date.now();
    expect(await store.writeRows(l, schemaId, [row(l, 1, t, null, 10)])).toEqual({ written: 1, skippedOlder: 0, skippedExpired: 0 });
    // Older event time: skipped.
    expect(await store.writeRows(l, schemaId, [row(l, 1, t - 1000, t + 5000, 9)])).toMatchObject({ written: 0, skippedOlder: 1 });
    expect(await stored(l, 1)).toBe(10);
    // Same event time, a created time where there was none: a correction, written.
    expect(await store.writeRows(l, schemaId, [row(l, 1, t, t, 11)])).toMatchObject({ written: 1, skippedOlder: 0 });
    // Same event, later created: written. Same event, same created: skipped (a retry). Earlier created: skipped.
    expect(await store.writeRows(l, schemaId, [row(l, 1, t, t + 1, 12)])).toMatchObject({ written: 1 });
    expect(await store.writeRows(l, schemaId, [row(l, 1, t, t + 1, 13)])).toMatchObject({ written: 0, skippedOlder: 1 });
    expect(await store.writeRows(l, schemaId, [row(l, 1, t, t - 1, 14)])).toMatchObject({ written: 0, skippedOlder: 1 });
    // A missing created time at the same event time never beats a present one.
    expect(await store.writeRows(l, schemaId, [row(l, 1, t, null, 15)])).toMatchObject({ written: 0, skippedOlder: 1 });
    expect(await stored(l, 1)).toBe(12);
    // Newer event time wins even with an older created time.
    expect(await store.writeRows(l, schemaId, [row(l, 1, t + 1, t - HOUR_MS, 16)])).toMatchObject({ written: 1 });
    expect(await stored(l, 1)).toBe(16);
  });

  it('applies several versions of one key in one call newest-wins, and a retried batch writes nothing', async () => {
    const l = layout('retry');
    const schemaId = await store.registerLayout(l);
    const t = Date.now();
    // 50 entities, each with versions in scrambled order, across several script calls (batchSize 7).
    const rows: EncodedRow[] = [];
    for (let id = 0; id < 50; id++) {
      for (const k of [2, 0, 4, 1, 3]) rows.push(row(l, id, t + k * 1000, null, id * 10 + k));
    }
    const first = await store.writeRows(l, schemaId, rows);
    expect(first.written + first.skippedOlder).toBe(250);
    for (const id of [0, 17, 49]) expect(await stored(l, id)).toBe(id * 10 + 4);
    expect(await store.writeRows(l, schemaId, rows)).toEqual({ written: 0, skippedOlder: 250, skippedExpired: 0 });
  });

  it('sets the key to expire at event time + TTL, and no expiry without a TTL', async () => {
    const withTtl = layout('ttl', 3600);
    const noTtl = layout('nottl', 0);
    const eventMs = Date.now() - 1000;
    await store.writeRows(withTtl, await store.registerLayout(withTtl), [row(withTtl, 1, eventMs, null, 1)]);
    await store.writeRows(noTtl, await store.registerLayout(noTtl), [row(noTtl, 1, eventMs, null, 1)]);
    const expireAt = await raw.call('PEXPIRETIME', rowKey(keyPrefix, 'p', 'ttl', 'i1'));
    expect(expireAt).toBe(eventMs + 3600_000);
    const pttl = await raw.pttl(rowKey(keyPrefix, 'p', 'ttl', 'i1'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(3600_000);
    expect(await raw.pttl(rowKey(keyPrefix, 'p', 'nottl', 'i1'))).toBe(-1);
  });

  it('skips rows whose TTL has already run out', async () => {
    const l = layout('expired', 60);
    const schemaId = await store.registerLayout(l);
    const now = Date.now();
    const result = await store.writeRows(l, schemaId, [row(l, 1, now - 120_000, null, 1), row(l, 2, now, null, 2)]);
    expect(result).toEqual({ written: 1, skippedOlder: 0, skippedExpired: 1 });
    expect(await raw.exists(rowKey(keyPrefix, 'p', 'expired', 'i1'))).toBe(0);
    expect(await stored(l, 2)).toBe(2);
  });

  it('records the feature list under its schema id, without expiry', async () => {
    const l = { ...layout('schema'), features: ['a', 'b'], dtypes: ['int64', 'string'] as const };
    const schemaId = await store.registerLayout(l);
    expect(schemaId).toMatch(/^[0-9a-f]{8}$/);
    const key = `${keyPrefix}:p:__schema:schema:${schemaId}`;
    expect(await raw.get(key)).toBe('["a","b"]');
    expect(await raw.pttl(key)).toBe(-1);
  });

  it('writes nothing for an empty chunk and refuses full Redis keys as entity keys', async () => {
    const l = layout('empty');
    const schemaId = await store.registerLayout(l);
    expect(await store.writeRows(l, schemaId, [])).toEqual({ written: 0, skippedOlder: 0, skippedExpired: 0 });
    const bad = { ...row(l, 1, Date.now(), null, 1), key: rowKey(keyPrefix, 'p', 'empty', 'i1') };
    await expect(store.writeRows(l, schemaId, [bad])).rejects.toThrow(/encoded entity key/);
  });
});
