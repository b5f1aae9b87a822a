// Redis going away and coming back, on a redis-server this file starts for itself (stopping the shared one would
// break every other test): calls must fail fast with OnlineStoreUnavailableError, and the same store object must
// recover on its own once Redis is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnlineStoreUnavailableError } from '../../../src/online/errors.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import type { ViewLayout } from '../../../src/online/types.js';
import { freshPrefix } from '../../helpers/redis.js';
import { freePort, OwnRedis } from '../../helpers/own-redis.js';

const keyPrefix = `${freshPrefix()}ff`;
const layout: ViewLayout = { project: 'p', view: 'v', features: ['n'], dtypes: ['int64'], joinKeys: ['id'], keyTypes: ['int64'], ttlSeconds: 0 };
const request = { entities: { id: [1] }, features: [{ layout, feature: 'n' }] };

let server: OwnRedis;
const stores: RedisOnlineStore[] = [];

/** Settles like `promise`, or rejects with a plain Error when it hangs: then an instanceof check fails the test. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until the store answers a ping; rejects with the last error when it has not within `ms`. */
async function recovered(store: RedisOnlineStore, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await store.ping();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function roundTrip(store: RedisOnlineStore, n: number): Promise<unknown> {
  const schemaId = await store.registerLayout(layout);
  await store.writeRows(layout, schemaId, [encodeRow(layout, [1], BigInt(Date.now()) * 1000n + BigInt(n), null, [n])]);
  return (await store.read(request))[0]?.values[0];
}

beforeAll(async () => {
  server = new OwnRedis(await freePort());
  await server.start();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  await server?.dispose();
});

describe('when Redis stops and comes back', () => {
  it('fails fast while it is down, then the same store recovers by itself', async () => {
    const store = await connectOnlineStore({ url: server.url, keyPrefix });
    stores.push(store);
    expect(await roundTrip(store, 1)).toBe(1);

    await server.stop();
    await expect(within(store.read(request), 2000)).rejects.toBeInstanceOf(OnlineStoreUnavailableError);
    await expect(within(store.ping(), 2000)).rejects.toBeInstanceOf(OnlineStoreUnavailableError);
    await expect(within(roundTrip(store, 2), 2000)).rejects.toMatchObject({ code: 'ONLINE_STORE_UNAVAILABLE', retryable: true });
    await expect(within(store.getWatermark('p', 'v'), 2000)).rejects.toBeInstanceOf(OnlineStoreUnavailableError);
    // Connecting while Redis is down: rejects at once, or (lazy, as a server starts) returns a store that waits.
    await expect(within(connectOnlineStore({ url: server.url, keyPrefix }), 2000)).rejects.toBeInstanceOf(OnlineStoreUnavailableError);
    const lazy = await within(connectOnlineStore({ url: server.url, keyPrefix, lazy: true }), 2000);
    stores.push(lazy);
    await expect(within(lazy.ping(), 2000)).rejects.toBeInstanceOf(OnlineStoreUnavailableError);

    await server.start();
    await recovered(store, 5000);
    await recovered(lazy, 5000);
    // The restarted server lost its data and its scripts: the write script is loaded again on first use.
    expect(await roundTrip(store, 3)).toBe(3);
    expect((await lazy.read(request))[0]?.values[0]).toBe(3);
  });
});
