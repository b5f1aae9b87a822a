/**
 * Loads the Lua scripts once per process and registers them on a client with defineCommand, which sends EVALSHA
 * and falls back to EVAL (loading the script) when the server does not know it yet, e.g. after a restart.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';

export const WRITE_NEWER_LUA = readFileSync(new URL('./lua/write-newer.lua', import.meta.url), 'utf8');
/** What EVALSHA names write-newer.lua by (Redis' own id for a script: the SHA-1 of its text). */
export const WRITE_NEWER_SHA = createHash('sha1').update(WRITE_NEWER_LUA).digest('hex');
const ADVANCE_WATERMARK_LUA = readFileSync(new URL('./lua/advance-watermark.lua', import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** lua/write-newer.lua: numKeys, then the row keys, then 2 ARGV per key (stored value, pxat); resolves to [written, skipped]. */
    ffWriteNewer(numKeys: number, ...keysAndArgs: string[]): Result<[number, number], Context>;
    /** lua/advance-watermark.lua: the watermarks hash, then its 9 ARGV; resolves to the stored JSON or null. */
    ffAdvanceWatermark(key: string, ...args: string[]): Result<string | null, Context>;
  }
}

export function defineScripts(client: Redis | Cluster): void {
  client.defineCommand('ffWriteNewer', { lua: WRITE_NEWER_LUA });
  client.defineCommand('ffAdvanceWatermark', { lua: ADVANCE_WATERMARK_LUA, numberOfKeys: 1 });
}
