/**
 * The ioredis client behind the online store, tuned to fail fast: while Redis is down, commands reject at once
 * (no offline queue, one retry) instead of queueing until memory runs out, and the client keeps reconnecting in
 * the background, so the same store object recovers by itself when Redis returns. A service answering 503 for a
 * few seconds beats one whose requests hang.
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { InvalidOnlineStoreConfigError } from './errors.js';

export type RedisClient = Redis | Cluster;

export interface OnlineStoreOptions {
  /** Standalone Redis URL (`redis://host:port/db`); ignored when `cluster` is given. */
  url?: string;
  /** First part of every key, e.g. `ff` (repo.onlineStore.keyPrefix). */
  keyPrefix: string;
  /** Redis Cluster seed nodes (`"host:port"` or `{ host, port }`); the URL is then unused. */
  cluster?: { nodes: ClusterNode[]; redisOptions?: RedisOptions };
  /** Keys per write-script call (default 200). */
  batchSize?: number;
  /** Write-script calls in flight at once (default 8). */
  concurrency?: number;
  /** Per-command timeout; a hung server then surfaces as unavailable (default 5000). */
  commandTimeoutMs?: number;
  /** Default 2000. */
  connectTimeoutMs?: number;
  /** ping() rejects after this long (default 1000). */
  pingTimeoutMs?: number;
  /**
   * Return without waiting for the first connection (default false). A server uses this so it can start, and answer
   * 503, while Redis is still down; otherwise connectOnlineStore rejects when Redis does not answer.
   */
  lazy?: boolean;
  /**
   * "Now" in epoch ms for reads that name none (OnlineReadRequest.nowMs): TTL ages, stream windows and their
   * staleness. Default Date.now; tests set it to serve as of a chosen instant (a window rolling forward).
   */
  clock?: () => number;
}

/** Reconnect delays 100, 200, 400, 500, 500, ... ms, forever: recovery must not need a restart of ours. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 4), 500);
}

export function createClient(options: OnlineStoreOptions): RedisClient {
  const common: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    // A command caught by a dropped connection is retried once after reconnecting, then fails; writes are
    // idempotent (newer-wins), so the retry is safe.
    maxRetriesPerRequest: 1,
  };
  if (options.cluster) {
    if (options.cluster.nodes.length === 0) throw new InvalidOnlineStoreConfigError('online store cluster needs at least one node');
    return new Cluster(options.cluster.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      // Batches commands issued in one tick per node: the per-slot MGETs of a read then cost one round trip.
      enableAutoPipelining: true,
      // ioredis picks an auto-pipeline's node from a command's first argument, which for a script with a key count
      // is the count, not a key; such pipelines fail ("same slots allocation group"). Scripts go out one by one.
      autoPipeliningIgnoredCommands: ['ffWriteNewer', 'ffStreamViewTexts'],
      clusterRetryStrategy: reconnectDelay,
      redisOptions: { ...common, ...options.cluster.redisOptions },
    });
  }
  if (!options.url) throw new InvalidOnlineStoreConfigError('online store needs a url or cluster nodes');
  return new Redis(options.url, {
    ...common,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    retryStrategy: reconnectDelay,
  });
}
