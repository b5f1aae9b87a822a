// Tests share one Redis (the developer's, or the one scripts/setup.mjs started), so each test works under its
// own random key prefix and deletes only that prefix: never FLUSHDB, which would wipe a developer's data or a
// test running in parallel.
import { randomBytes } from 'node:crypto';
import { Redis as IORedis, type Redis } from 'ioredis';
import { DEFAULT_REDIS_URL } from '../../src/devtools/redis-url.js';

/**
 * The shared Redis: what REDIS_URL named when vitest started, else the local default. vitest.config.ts moves
 * REDIS_URL out of the way, because the code lets it override every repo's onlineStore.url, and tests point repos
 * at servers of their own and at dead ports.
 */
export function redisUrl(): string {
  return process.env.FEATUREFLOW_TEST_REDIS_URL || DEFAULT_REDIS_URL;
}

/** A key prefix no other test run uses, e.g. `fftest:3f9a0c1d2b4e5f60:`. */
export function freshPrefix(): string {
  return `fftest:${randomBytes(8).toString('hex')}:`;
}

/** Escapes the glob characters of SCAN MATCH so the prefix matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Deletes every key that starts with `prefix` and returns how many were deleted. SCAN, not KEYS, so a large
 * database is not blocked; UNLINK frees memory off the main thread. Pass a client without ioredis's `keyPrefix`
 * option: ioredis adds it to UNLINK's keys but not to SCAN's pattern or results.
 */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  if (!prefix) throw new Error('cleanupPrefix: refusing an empty prefix (it would delete every key)');
  const match = `${escapeGlob(prefix)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** cleanupPrefix over a connection of its own to the shared Redis, closed after: what a test's afterAll needs. */
export async function cleanupSharedPrefix(prefix: string): Promise<number> {
  const redis = new IORedis(redisUrl(), { maxRetriesPerRequest: 1 });
  try {
    return await cleanupPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
