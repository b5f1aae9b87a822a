// RedisStreamReader against the shared Redis: each test uses its own stream key under a fresh prefix, deleted after.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamReader } from '../../../src/stream/brokers/redis-stream.js';
import type { RedisStreamBroker } from '../../../src/registry/stream-schema.js';
import type { StreamMessage } from '../../../src/stream/types.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const prefix = freshPrefix();
let redis: Redis;
let streamNo = 0;
const readers: RedisStreamReader[] = [];

beforeAll(() => {
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  for (const r of readers.splice(0)) await r.close();
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

/** A fresh stream with entries 1-1 .. count-1 (explicit ids, so positions are predictable). */
async function streamWith(count: number): Promise<RedisStreamBroker> {
  const key = `${prefix}stream${++streamNo}`;
  await add(key, 1, count);
  return { kind: 'redis-stream', key, group: 'ingest' };
}

async function add(key: string, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await redis.xadd(key, `${i}-1`, 'data', JSON.stringify({ n: i }));
}

function reader(broker: RedisStreamBroker): RedisStreamReader {
  const r = new RedisStreamReader(broker, { defaultUrl: redisUrl(), consumer: 'test-consumer' });
  readers.push(r);
  return r;
}

async function readAll(r: RedisStreamReader, count: number): Promise<StreamMessage[]> {
  const out: StreamMessage[] = [];
  while (out.length < count) {
    const batch = await r.next(count - out.length, 200);
    if (batch.length === 0) break;
    out.push(...batch);
  }
  return out;
}

const ids = (ms: StreamMessage[]): string[] => ms.map((m) => m.position);
const ns = (ms: StreamMessage[]): number[] => ms.map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as { n: number }).n);

describe('RedisStreamReader', () => {
  it('creates the group (and the stream when missing) and reads from the start when no position is stored', async () => {
    const broker = await streamWith(3);
    const r = reader(broker);
    await r.open({});
    const got = await readAll(r, 3);
    expect(ids(got)).toEqual(['1-1', '2-1', '3-1']);
    expect(ns(got)).toEqual([1, 2, 3]);

    const empty = reader({ ...broker, key: `${prefix}missing${++streamNo}` });
    await empty.open({});
    expect(await empty.next(10, 10)).toEqual([]);
  });

  it('starts exactly after the given position even when the group holds unacknowledged entries', async () => {
    const broker = await streamWith(10);
    const first = reader(broker);
    await first.open({});
    await readAll(first, 7);
    await first.ack({ '0': '2-1' }); // applied 1..2, delivered up to 7: a crash between write and ack
    await first.close();

    const second = reader(broker);
    await second.open({ '0': '4-1' });
    expect(ids(await readAll(second, 6))).toEqual(['5-1', '6-1', '7-1', '8-1', '9-1', '10-1']);
    // The stale pending entries of the dead delivery are gone with the consumer.
    const pending = (await redis.xpending(broker.key, broker.group)) as [number, ...unknown[]];
    expect(pending[0]).toBe(6);
  });

  it('keeps a group that stands exactly at the position', async () => {
    const broker = await streamWith(3);
    const first = reader(broker);
    await first.open({});
    await readAll(first, 3);
    await first.ack({ '0': '3-1' });
    await first.close();

    const second = reader(broker);
    await second.open({ '0': '3-1' });
    expect(await second.pending()).toBe(0); // SETID would have made the lag unknown
    await add(broker.key, 4, 5);
    expect(ids(await readAll(second, 2))).toEqual(['4-1', '5-1']);
  });

  it('acknowledges the entries up to the given position and no further', async () => {
    const broker = await streamWith(5);
    const r = reader(broker);
    await r.open({});
    await readAll(r, 5);
    await r.ack({ '0': '3-1' });
    const pending = (await redis.xpending(broker.key, broker.group, '-', '+', 10)) as Array<[string, ...unknown[]]>;
    expect(pending.map((p) => p[0])).toEqual(['4-1', '5-1']);
  });

  it('reports the group lag as pending', async () => {
    const broker = await streamWith(4);
    const r = reader(broker);
    await r.open({});
    expect(await r.pending()).toBe(4);
    await readAll(r, 3);
    expect(await r.pending()).toBe(1);
  });

  it('hands an entry without a data field on as an empty message (counted invalid downstream)', async () => {
    const broker = await streamWith(0);
    await redis.xadd(broker.key, '1-1', 'other', 'x');
    const r = reader(broker);
    await r.open({});
    const [m] = await readAll(r, 1);
    expect(m?.data.length).toBe(0);
  });

  it('fails with a retryable STREAM_BROKER_UNAVAILABLE when the group is gone under it or Redis is unreachable', async () => {
    const broker = await streamWith(1);
    const r = reader(broker);
    await r.open({});
    await redis.xgroup('DESTROY', broker.key, broker.group);
    await expect(r.next(10, 10)).rejects.toMatchObject({ code: 'STREAM_BROKER_UNAVAILABLE', retryable: true, message: expect.stringMatching(/NOGROUP/) });
    const dead = new RedisStreamReader({ ...broker, url: 'redis://127.0.0.1:1' }, { defaultUrl: redisUrl() });
    await expect(dead.open({})).rejects.toMatchObject({ code: 'STREAM_BROKER_UNAVAILABLE', retryable: true });
  });
});
