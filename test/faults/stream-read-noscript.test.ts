/**
 * Serving's stream reads send their script as EVALSHA outside ioredis' defineCommand (read-batch.ts sendBatched),
 * so its NOSCRIPT fallback is ours: after SCRIPT FLUSH a read must still answer the same text (EVAL loads it again).
 * The server is the test's own: SCRIPT FLUSH is server-wide and would hit every other test on the shared Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatched } from '../../src/online/read-batch.js';
import { defineScripts, streamTilesJoined, streamViewTexts } from '../../src/online/scripts.js';
import { OwnRedis } from '../helpers/own-redis.js';

let server: OwnRedis;
let client: Redis;

beforeAll(async () => {
  server = await OwnRedis.create();
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await client.hset('tiles', '100', 'a\x1cb', '101', 'c\x1cd');
  await client.hset('state', 'caughtUpAt', '1700000000000', 'watermark', '1700000000000000');
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

  it("answers the view's state and tile texts in one call after SCRIPT FLUSH, loading the script again", async () => {
    const send = (name: string, args: ReadonlyArray<string | number>) => sendBatched(client, name, args);
    const before = await noscriptReplies();
    await client.script('FLUSH');
    const [reply, noState] = await Promise.all([streamViewTexts(client, 'state', ['tiles', 'missing'], send), streamViewTexts(client, 'nostate', ['tiles'], send)]);
    expect(reply.slice(0, 2)).toEqual(['1700000000000', '1700000000000000']);
    expect(new Set((reply[2] as string).split('\x1e'))).toEqual(new Set(['100', 'a\x1cb', '101', 'c\x1cd']));
    expect(reply.slice(3)).toEqual(['']);
    expect(noState).toEqual(['', '', reply[2]]);
    expect(await noscriptReplies()).toBeGreaterThan(before);
    const after = await noscriptReplies();
    expect(await streamViewTexts(client, 'state', ['tiles'], send)).toEqual(reply.slice(0, 3));
    expect(await noscriptReplies()).toBe(after);
  });

  it('answers the same through defineCommand (the path of a cluster, which has no batched send)', async () => {
    defineScripts(client);
    const send = (name: string, args: ReadonlyArray<string | number>) => sendBatched(client, name, args);
    await client.script('FLUSH');
    expect(await streamViewTexts(client, 'state', ['tiles', 'missing'])).toEqual(await streamViewTexts(client, 'state', ['tiles', 'missing'], send));
  });
});
