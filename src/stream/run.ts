/**
 * The real stream ingestion of one view (the StreamIngestFn `featureflow worker` gives the ingestStream activity):
 * from the worker's engine and the view's name it builds the event rules, the broker reader, the Redis tile sink
 * and the DuckDB partials, and runs the ingest loop (ingest.ts) until the signal aborts.
 *
 * Each run opens its own Redis client (the online store's target, REDIS_URL included, with the store's fail-fast
 * settings) and its own DuckDB connection, and closes both when it ends: a run lasts up to an hour, so the connect
 * costs nothing, and a run that ends on a broken connection leaves nothing half-open for the retry.
 */
import type { StreamIngestFn } from '../activities/deps.js';
import type { EngineContext } from '../engine/context.js';
import { describeSource } from '../engine/sources.js';
import type { RedisClient } from '../online/connection.js';
import { checkKeyPrefix } from '../online/keys.js';
import { openReader as openBrokerReader, type ReaderDefaults } from './brokers/index.js';
import type { InvalidEvent } from './events.js';
import { runStreamIngest, type StreamProgress } from './ingest.js';
import { connectStreamRedis } from './redis-connection.js';
import { RedisTileSink } from './redis-tile-sink.js';
import { TilePartials } from './tile-partials.js';
import type { BrokerReader } from './types.js';
import { streamViewPlan } from './view-plan.js';

/** One structured log record (a JSON line on stderr by default, as the activities' alert logs). */
export type StreamLog = (line: { level: 'warn'; message: string; view: string } & Record<string, unknown>) => void;

export interface ViewIngestOptions {
  ctx: EngineContext;
  view: string;
  /** Where the tiles and the state go; the caller connects and closes it. */
  redis: RedisClient;
  /** The online store's key prefix; default the repo's onlineStore.keyPrefix. */
  keyPrefix?: string;
  /** Redis URL a `redis-stream` broker without its own url reads from (the online store's). */
  redisUrl: string;
  signal: AbortSignal;
  onProgress?: (progress: StreamProgress) => void;
  log?: StreamLog;
  batchMax?: number;
  waitMs?: number;
  /** The broker reader of the view's source (brokers/index.ts openReader unless given). */
  openReader?: (source: Parameters<typeof openBrokerReader>[0], defaults: ReaderDefaults) => BrokerReader;
}

export function stderrLog(line: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
}

/** Runs the view's ingest loop until `signal` aborts; returns its progress then. */
export async function ingestView(options: ViewIngestOptions): Promise<StreamProgress> {
  const { ctx, view, signal } = options;
  const log = options.log ?? stderrLog;
  const plan = streamViewPlan(ctx.repo, view);
  // The events are typed as the batch source types its columns, so online and training read them alike.
  const columns = await describeSource(ctx, plan.source.name);
  const keyPrefix = options.keyPrefix ?? ctx.repo.onlineStore.keyPrefix;
  checkKeyPrefix(keyPrefix);
  const sink = new RedisTileSink(options.redis, { prefix: keyPrefix, project: plan.project, view: plan.view.name }, plan);
  return ctx.db.withConnection(async (conn) => {
    const refusedKey = (reason: string): void => log({ level: 'warn', message: 'stream event key refused by its entity type; counted invalid', view, reason });
    const partials = await TilePartials.open(conn, plan, columns, refusedKey);
    try {
      const reader = (options.openReader ?? openBrokerReader)(plan.source, { redisUrl: options.redisUrl, view });
      return await runStreamIngest({
        view,
        rules: plan.rules,
        reader,
        sink,
        partials,
        signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        onInvalid: (samples: InvalidEvent[]) => {
          for (const s of samples) log({ level: 'warn', message: 'invalid stream message skipped', view, partition: s.partition, position: s.position, reason: s.reason });
        },
        ...(options.batchMax !== undefined ? { batchMax: options.batchMax } : {}),
        ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
      });
    } finally {
      partials.close();
    }
  });
}

export interface CreateStreamIngestOptions {
  env?: NodeJS.ProcessEnv;
  log?: StreamLog;
}

/** The StreamIngestFn of `featureflow worker` and createFeatureflowActivities. */
export function createStreamIngest(options: CreateStreamIngestOptions = {}): StreamIngestFn {
  return async ({ ctx, view, signal, onProgress }) => {
    // Checked before connecting: an unknown view fails at once (non-retryable) even while Redis is down.
    streamViewPlan(ctx.repo, view);
    const { redis, url } = await connectStreamRedis(ctx.repo.onlineStore, options.env);
    try {
      return await ingestView({ ctx, view, redis, redisUrl: url, signal, onProgress, ...(options.log ? { log: options.log } : {}) });
    } finally {
      await redis.quit().catch(() => redis.disconnect());
    }
  };
}
