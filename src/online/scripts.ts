/**
 * Loads the Lua scripts once per process and registers them on a client with defineCommand, which sends EVALSHA
 * and falls back to EVAL (loading the script) when the server does not know it yet, e.g. after a restart.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';
import type { SendBatched } from './read-batch.js';

export const WRITE_NEWER_LUA = readFileSync(new URL('./lua/write-newer.lua', import.meta.url), 'utf8');
/** What EVALSHA names write-newer.lua by (Redis' own id for a script: the SHA-1 of its text). */
export const WRITE_NEWER_SHA = createHash('sha1').update(WRITE_NEWER_LUA).digest('hex');
const ADVANCE_WATERMARK_LUA = readFileSync(new URL('./lua/advance-watermark.lua', import.meta.url), 'utf8');
const STREAM_TILES_TEXT_LUA = readFileSync(new URL('./lua/stream-tiles-text.lua', import.meta.url), 'utf8');
const STREAM_TILES_TEXT_SHA = createHash('sha1').update(STREAM_TILES_TEXT_LUA).digest('hex');
const STREAM_VIEW_TEXTS_LUA = readFileSync(new URL('./lua/stream-view-texts.lua', import.meta.url), 'utf8');
const STREAM_VIEW_TEXTS_SHA = createHash('sha1').update(STREAM_VIEW_TEXTS_LUA).digest('hex');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** lua/write-newer.lua: numKeys, then the row keys, then 2 ARGV per key (stored value, pxat); resolves to [written, skipped]. */
    ffWriteNewer(numKeys: number, ...keysAndArgs: string[]): Result<[number, number], Context>;
    /** lua/advance-watermark.lua: the watermarks hash, then its 9 ARGV; resolves to the stored JSON or null. */
    ffAdvanceWatermark(key: string, ...args: string[]): Result<string | null, Context>;
    /** lua/stream-tiles-text.lua: a tile hash; resolves to its fields and states joined by "\x1e" ('' when empty). */
    ffStreamTilesText(key: string): Result<string, Context>;
    /** lua/stream-view-texts.lua: numKeys, the view's state hash, its tile hashes; resolves to [caughtUpAt, watermark, text, ...]. */
    ffStreamViewTexts(numKeys: number, ...keys: string[]): Result<string[], Context>;
  }
}

export function defineScripts(client: Redis | Cluster): void {
  client.defineCommand('ffWriteNewer', { lua: WRITE_NEWER_LUA });
  client.defineCommand('ffAdvanceWatermark', { lua: ADVANCE_WATERMARK_LUA, numberOfKeys: 1 });
  client.defineCommand('ffStreamTilesText', { lua: STREAM_TILES_TEXT_LUA, numberOfKeys: 1 });
  client.defineCommand('ffStreamViewTexts', { lua: STREAM_VIEW_TEXTS_LUA });
}

/** Redis' reply to EVALSHA of a script it does not hold (restarted, or `SCRIPT FLUSH`ed since it was loaded). */
export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/*
 * ioredis resends an EVALSHA that met NOSCRIPT only once, and as EVALSHA again when another call on the same
 * connection has loaded the script in between; a second SCRIPT FLUSH (or restart) before it arrives then fails the
 * write (test/faults/script-flush.test.ts). EVAL carries the script itself and cannot meet NOSCRIPT, so it is the
 * last resort. Rare: it costs sending the script text once more.
 */

/** write-newer.lua for one batch: EVALSHA (via defineCommand), EVAL when the script was flushed twice meanwhile. */
export async function writeNewer(client: Redis | Cluster, keys: readonly string[], argv: readonly string[]): Promise<[number, number]> {
  try {
    return await client.ffWriteNewer(keys.length, ...keys, ...argv);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    // The script's reply, as ffWriteNewer declares it.
    return (await client.eval(WRITE_NEWER_LUA, keys.length, ...keys, ...argv)) as [number, number];
  }
}

/** advance-watermark.lua, with the same last resort as writeNewer. */
export async function advanceWatermarkScript(client: Redis | Cluster, key: string, args: readonly string[]): Promise<string | null> {
  try {
    return await client.ffAdvanceWatermark(key, ...args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return (await client.eval(ADVANCE_WATERMARK_LUA, 1, key, ...args)) as string | null;
  }
}

/**
 * stream-tiles-text.lua: an entity's tile hash as its one text, fields and states joined by "\x1e" ('' when empty),
 * which serving scans in place (tile-scan.ts); the same last resort as writeNewer.
 */
export async function streamTilesJoined(client: Redis | Cluster, key: string, send?: SendBatched): Promise<string> {
  try {
    return send ? ((await send('evalsha', [STREAM_TILES_TEXT_SHA, 1, key])) as string) : await client.ffStreamTilesText(key);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return (await client.eval(STREAM_TILES_TEXT_LUA, 1, key)) as string;
  }
}

/**
 * stream-view-texts.lua: a stream view's caughtUpAt and watermark ('' when not stored) and its entities' tile hashes,
 * each as one text as streamTilesJoined's; the same last resort as writeNewer. The keys share the view's hash tag, so
 * one call serves a cluster too.
 */
export function streamViewTexts(client: Redis | Cluster, stateKey: string, tileKeys: readonly string[], send?: SendBatched): Promise<string[]> {
  const numKeys = 1 + tileKeys.length;
  // Not async: .catch is one promise per read where an async function's await is three (serving's garbage per read).
  const sent = send ? send('evalsha', [STREAM_VIEW_TEXTS_SHA, numKeys, stateKey, ...tileKeys]) : client.ffStreamViewTexts(numKeys, stateKey, ...tileKeys);
  return (sent as Promise<string[]>).catch((err: unknown) => {
    if (!isNoScript(err)) throw err;
    return client.eval(STREAM_VIEW_TEXTS_LUA, numKeys, stateKey, ...tileKeys) as Promise<string[]>;
  });
}

/** stream-tiles-text.lua's text split: [field, state, ...]. */
export async function streamTilesText(client: Redis | Cluster, key: string): Promise<string[]> {
  const text = await streamTilesJoined(client, key);
  return text === '' ? [] : text.split('\x1e');
}
