/**
 * Serving's stream reads send the tile script as EVALSHA outside ioredis' defineCommand (read-batch.ts sendBatched),
 * so its NOSCRIPT fallback is ours: after SCRIPT FLUSH a read must still answer the same text (EVAL loads it again).
 * The server is the test's own: SCRIPT FLUSH is server-wide and would hit every other test on the shared Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatched } from '../../src/online/read-batch.js';
import { streamTilesJoined } from '../../src/online/scripts.js';
import { OwnRedis } from '../helpers/own-redis.js';

let server: OwnRedis;
let client: Redis;

beforeAll(async () => {
  server = await OwnRedis.create();
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await client.hset('tiles', '100', 'a\x1cb', '101', 'c\x1cd');
});

afterAll(async () => {
  client?.disconnect();
  await server?.dispose();
});

async function noscriptReplies(): Promise<number> {
  const info = await client.info('errorstats');
  return Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('a stream read sent outside auto-pipelining', () => {
  it('answers the tile hash as one text after SCRIPT FLUSH, loading the script again', async () => {
    const send = (name: string, args: ReadonlyArray<string | number>) => sendBatched(client, name, args);
    const before = await noscriptReplies();
    await client.script('FLUSH');
    const texts = await Promise.all([streamTilesJoined(client, 'tiles', send), streamTilesJoined(client, 'missing', send)]);
    expect(new Set(texts[0].split('\x1e'))).toEqual(new Set(['100', 'a\x1cb', '101', 'c\x1cd']));
    expect(texts[1]).toBe('');
    expect(await noscriptReplies()).toBeGreaterThan(before);
    // Loaded again by the EVAL: the next read is a plain EVALSHA.
    const after = await noscriptReplies();
    expect(await streamTilesJoined(client, 'tiles', send)).toBe(texts[0]);
    expect(await noscriptReplies()).toBe(after);
  });
});
