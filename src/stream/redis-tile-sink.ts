/**
 * The ingest loop's TileSink over the real tiles in Redis (src/online/stream-tiles.ts): the stored state, one
 * atomic compare-and-set script call per batch, and the cheap liveness HSET of an empty poll. Redis failures become
 * the online store's coded errors (unavailable: retryable, so the activity resumes from the stored positions).
 */
import type { RedisClient } from '../online/connection.js';
import { toOnlineStoreError } from '../online/errors.js';
import { applyTileBatch, readStreamState, touchStreamState, type StreamViewRef, type TileRow } from '../online/stream-tiles.js';
import type { StreamStateUpdate, StreamTouch, TileSink } from './ingest.js';
import type { Positions, StreamState } from './types.js';
import type { StreamViewPlan } from './view-plan.js';

/** What the sink needs of a view's plan: its tiles' functions, retention and size. */
export type TileLayout = Pick<StreamViewPlan, 'kinds' | 'retainTiles' | 'tileMs'>;

export class RedisTileSink implements TileSink<TileRow> {
  constructor(
    private readonly redis: RedisClient,
    private readonly ref: StreamViewRef,
    private readonly plan: TileLayout,
  ) {}

  async readState(): Promise<StreamState | undefined> {
    try {
      return await readStreamState(this.redis, this.ref);
    } catch (err) {
      throw toOnlineStoreError(err, `reading the stream state of view ${this.ref.view}`);
    }
  }

  async apply(batch: { expected: Positions | undefined; next: StreamStateUpdate; rows: TileRow[] }): Promise<'applied' | 'stale'> {
    const { kinds, retainTiles, tileMs } = this.plan;
    try {
      return await applyTileBatch(this.redis, { ...this.ref, ...batch, kinds, retainTiles, tileMs });
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
