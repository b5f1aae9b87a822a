/**
 * The ingest loop's TileSink over the real tiles in Redis (src/online/stream-tiles.ts): the stored state, one
 * atomic compare-and-set script call per batch, and the cheap liveness HSET of an empty poll. Redis failures become
 * the online store's coded errors (unavailable: retryable, so the activity resumes from the stored positions).
 *
 * One sink per ingest run owns a cache of the tile states it wrote (src/online/tile-state-cache.ts), started from
 * the state readState() finds, so a batch in steady state reads nothing back from Redis.
 */
import type { RedisClient } from '../online/connection.js';
import { toOnlineStoreError } from '../online/errors.js';
import { applyTileBatch, readStreamState, storedPositionsText, touchStreamState, type StreamViewRef, type TileRow } from '../online/stream-tiles.js';
import { TileStateCache } from '../online/tile-state-cache.js';
import type { StreamStateUpdate, StreamTouch, TileSink } from './ingest.js';
import type { Positions, StreamState } from './types.js';
import type { StreamViewPlan } from './view-plan.js';

/** What the sink needs of a view's plan: its tiles' functions, retention and size, and the events' lateness. */
export type TileLayout = Pick<StreamViewPlan, 'kinds' | 'retainTiles' | 'tileMs' | 'tileMicros'> & {
  rules: Pick<StreamViewPlan['rules'], 'allowedLatenessMicros'>;
};

export interface TileSinkOptions {
  /** Cached tile states at most (TileStateCache's default otherwise). */
  cacheEntries?: number;
  /** false: read every batch's tiles back from Redis (the path without a cache, for comparison). */
  cache?: boolean;
}

export class RedisTileSink implements TileSink<TileRow> {
  private readonly cache: TileStateCache | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly ref: StreamViewRef,
    private readonly plan: TileLayout,
    options: TileSinkOptions = {},
  ) {
    this.cache =
      options.cache === false
        ? undefined
        : new TileStateCache({
            tileMicros: plan.tileMicros,
            allowedLatenessMicros: plan.rules.allowedLatenessMicros,
            expireMs: plan.retainTiles * plan.tileMs,
            ...(options.cacheEntries !== undefined ? { maxEntries: options.cacheEntries } : {}),
          });
  }

  async readState(): Promise<StreamState | undefined> {
    try {
      const state = await readStreamState(this.redis, this.ref);
      // True at these positions: the first batch expects them, and its compare-and-set proves nothing wrote since.
      this.cache?.start(storedPositionsText(state?.positions), state?.watermarkMicros ?? 0);
      return state;
    } catch (err) {
      throw toOnlineStoreError(err, `reading the stream state of view ${this.ref.view}`);
    }
  }

  async apply(batch: { expected: Positions | undefined; next: StreamStateUpdate; rows: TileRow[] }): Promise<'applied' | 'stale'> {
    const { kinds, retainTiles, tileMs } = this.plan;
    try {
      return await applyTileBatch(this.redis, { ...this.ref, ...batch, kinds, retainTiles, tileMs }, this.cache);
    } catch (err) {
      throw toOnlineStoreError(err, `writing a batch of ${batch.rows.length} tile rows of view ${this.ref.view}`);
    }
  }

  async touch(update: StreamTouch): Promise<void> {
    try {
      await touchStreamState(this.redis, this.ref, update);
    } catch (err) {
      throw toOnlineStoreError(err, `updating the stream state of view ${this.ref.view}`);
    }
  }
}
