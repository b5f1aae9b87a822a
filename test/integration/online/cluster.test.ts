// The store against a real (small, local) Redis Cluster: scripts and MGETs must only ever carry keys of one slot,
// and writes are pipelined per node.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntityKey, streamStateKey, streamTilesKey } from '../../../src/online/keys.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import type { ViewLayout } from '../../../src/online/types.js';
import { freshPrefix } from '../../helpers/redis.js';
import { startCluster, type OwnRedis } from '../../helpers/own-redis.js';

const keyPrefix = `${freshPrefix()}ff`;
const a: ViewLayout = { project: 'p', view: 'a', features: ['n'], dtypes: ['int64'], joinKeys: ['id'], keyTypes: ['int64'], ttlSeconds: 3600 };
const b: ViewLayout = { ...a, view: 'b', features: ['s', 't'], dtypes: ['string', 'float64'], ttlSeconds: 0 };
const MINUTE = 60_000_000;
const st: ViewLayout = {
  ...a,
  view: 'st',
  features: ['n_5m', 'n_1h'],
  dtypes: ['int64', 'int64'],
  ttlSeconds: 0,
  stream: { tileMicros: MINUTE, kinds: ['count'], windowMicros: [5 * MINUTE, 60 * MINUTE], columns: [{ feature: 0, window: 0 }, { feature: 0, window: 1 }], maxStalenessMs: 0 },
};

let nodes: OwnRedis[] = [];
const stores: RedisOnlineStore[] = [];

async function connect(): Promise<RedisOnlineStore> {
  const store = await connectOnlineStore({ keyPrefix, cluster: { nodes: [{ host: '127.0.0.1', port: nodes[0]!.port }] }, batchSize: 50 });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  nodes = await startCluster();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  await Promise.all(nodes.map((n) => n.dispose()));
});

describe('on a Redis Cluster', () => {
  it('writes newer-wins across slots and nodes, and reads many entities x two views in one go', async () => {
    const store = await connect();
    const t = BigInt(Date.now()) * 1000n;
    const sa = await store.registerLayout(a);
    const sb = await store.registerLayout(b);
    const rowsA = Array.from({ length: 3000 }, (_, i) => encodeRow(a, [i], t, null, [i]));
    // One hot entity with many versions lands in one slot, more keys than a batch: several calls, newest wins.
    const hot = Array.from({ length: 120 }, (_, k) => encodeRow(a, [99_999], t + BigInt(k), null, [k]));
    expect(await store.writeRows(a, sa, [...rowsA, ...hot])).toEqual({ written: 3120, skippedOlder: 0, skippedExpired: 0 });
    expect(await store.writeRows(a, sa, rowsA)).toEqual({ written: 0, skippedOlder: 3000, skippedExpired: 0 });
    expect(await store.writeRows(b, sb, Array.from({ length: 1000 }, (_, i) => encodeRow(b, [i * 2], t, null, [`s${i * 2}`, null])))).toMatchObject({ written: 1000 });

    // A fresh store knows no schemas: they are fetched from their own slots too.
    const reader = await connect();
    const ids = [...Array.from({ length: 500 }, (_, i) => i), 99_999];
    const [n, s, tt] = await reader.read({
      entities: { id: ids },
      features: [{ layout: a, feature: 'n' }, { layout: b, feature: 's' }, { layout: b, feature: 't' }],
    });
    expect(n?.values.slice(0, 3)).toEqual([0, 1, 2]);
    expect(n?.values.at(-1)).toBe(119);
    expect(n?.statuses.every((x) => x === 'PRESENT')).toBe(true);
    expect(s?.values.slice(0, 4)).toEqual(['s0', null, 's2', null]);
    expect(s?.statuses.slice(0, 4)).toEqual(['PRESENT', 'NOT_FOUND', 'PRESENT', 'NOT_FOUND']);
    expect(tt?.statuses.slice(0, 2)).toEqual(['NULL_VALUE', 'NOT_FOUND']);
  });

  it('keeps watermarks and answers ping', async () => {
    const store = await connect();
    await store.setWatermark('p', 'a', { end: '2024-05-02T00:00:00Z', at: '2024-05-02T00:00:05Z' });
    expect(await store.getWatermark('p', 'a')).toEqual({ end: '2024-05-02T00:00:00Z', at: '2024-05-02T00:00:05Z' });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("reads a stream view's state and tiles in one script call from their slot, beside a stored view", async () => {
    const store = await connect();
    const nowMs = Date.UTC(2024, 4, 2, 12, 0, 30);
    const tile = Math.floor((nowMs * 1000) / MINUTE);
    const writer = new Cluster([{ host: '127.0.0.1', port: nodes[0]!.port }]);
    try {
      const tiles = (id: number): string => streamTilesKey(keyPrefix, 'p', 'st', encodeEntityKey([id], ['int64'], ['id']));
      await writer.hset(tiles(100_001), String(tile), '3', String(tile - 10), '4');
      await writer.hset(tiles(100_002), String(tile - 30), '1');
      await writer.hset(streamStateKey(keyPrefix, 'p', 'st'), 'caughtUpAt', String(nowMs), 'watermark', String(nowMs * 1000 - 5_000_000));
    } finally {
      writer.disconnect();
    }
    await store.writeRows(b, await store.registerLayout(b), [encodeRow(b, [100_001], BigInt(nowMs) * 1000n, null, ['x', 1.5])]);
    const [n5, stored, n1h] = await store.read({
      entities: { id: [100_001, 100_002, 100_003] },
      features: [{ layout: st, feature: 'n_5m' }, { layout: b, feature: 's' }, { layout: st, feature: 'n_1h' }],
      nowMs,
    });
    expect(n5).toEqual({ values: [3, 0, 0], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], eventMicros: Array(3).fill(nowMs * 1000 - 5_000_000) });
    expect(n1h?.values).toEqual([7, 1, 0]);
    expect(stored?.values).toEqual(['x', null, null]);
  });
});
