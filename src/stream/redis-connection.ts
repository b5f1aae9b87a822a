/**
 * The Redis client of stream ingestion and of `featureflow stream status`: the repo's online store target (REDIS_URL
 * overrides onlineStore.url, as for every connection of a repo) with the online store's fail-fast settings
 * (connection.ts). A client of its own rather than the store's: the OnlineStore interface does not hand out its
 * client, and an ingest run holds one for up to an hour, so connecting per run costs nothing.
 */
import { createClient, type RedisClient } from '../online/connection.js';
import { toOnlineStoreError } from '../online/errors.js';
import { resolveOnlineStoreTarget } from '../online/store-target.js';
import type { Repo } from '../registry/schema.js';

/**
 * A connected client of the repo's online store Redis, and the URL a `redis-stream` broker without its own reads
 * from; rejects with the online store's retryable unavailable error when Redis does not answer.
 */
export async function connectStreamRedis(onlineStore: Repo['onlineStore'], env: NodeJS.ProcessEnv = process.env): Promise<{ redis: RedisClient; url: string }> {
  const target = resolveOnlineStoreTarget(onlineStore, env);
  const redis = createClient({ ...target.connection, keyPrefix: onlineStore.keyPrefix });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw toOnlineStoreError(err, `connecting to ${target.display}`);
  }
  return { redis, url: streamRedisUrl(onlineStore, env) };
}

/** The URL a `redis-stream` broker without its own reads from: the online store's target (REDIS_URL first). */
export function streamRedisUrl(onlineStore: Repo['onlineStore'], env: NodeJS.ProcessEnv = process.env): string {
  return resolveOnlineStoreTarget(onlineStore, env).connection.url ?? onlineStore.url;
}
