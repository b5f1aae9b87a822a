/**
 * The read half of the Redis online store: every (entity, view) row key in one MGET, and the stream views' tiles
 * (stream-read.ts) in the same round trip. What a feature list alone decides is worked out on its first read and
 * kept beside it (ReadShape, StreamSplit): the API reads with its cached plans' lists, request after request.
 */
import type { Redis } from 'ioredis';
import type { RedisClient } from './connection.js';
import { assembleColumns, entityRows, parseFetched, planRead, type FetchedRow } from './read-plan.js';
import { readShape, unknownSchemaKeys, type ReadShape } from './read-shape.js';
import { mgetBatched, sendBatched, type SendBatched } from './read-batch.js';
import { loadSchemas } from './schema-load.js';
import { mgetAll } from './slot-groups.js';
import { mergeColumns, readStreamColumns, splitStream, type StreamSplit } from './stream-read.js';
import type { FeatureColumn, OnlineReadRequest } from './types.js';

export class StoreReader {
  /** Schema key -> feature names. Schema keys never change once written (the id is a hash of the names). */
  readonly schemas = new Map<string, readonly string[]>();
  /** Per feature list read (by identity: lists are readonly), what it alone decides; see read-shape.ts. */
  private readonly shapes = new WeakMap<OnlineReadRequest['features'], ReadShape>();
  /** Per feature list read, its stream features split from the stored ones (null: none); see stream-read.ts. */
  private readonly splits = new WeakMap<OnlineReadRequest['features'], StreamSplit | null>();

  /**
   * `clock`: "now" of reads that name none (OnlineStoreOptions.clock); `fail` maps a Redis error to the store's
   * typed errors, naming what was being done.
   */
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly cluster: boolean,
    private readonly clock: () => number,
    private readonly fail: (err: unknown, doing: string) => Error,
  ) {
    this.send = cluster ? undefined : (name, args) => sendBatched(client as Redis, name, args);
  }

  /** Standalone: commands sent batched per event-loop turn, outside auto-pipelining (read-batch.ts). */
  private readonly send: SendBatched | undefined;

  /** Not async itself: a read of stored features alone is readStored's promise as it is, no extra await. */
  read(request: OnlineReadRequest): Promise<FeatureColumn[]> {
    let split = this.splits.get(request.features);
    if (split === undefined) {
      try {
        split = splitStream(request.features, this.prefix) ?? null;
      } catch (err) {
        return Promise.reject(err as Error);
      }
      this.splits.set(request.features, split);
    }
    const nowMs = request.nowMs ?? this.clock();
    return split === null ? this.readStored(request, nowMs) : this.readWithStream(request, split, nowMs);
  }

  private readWithStream(request: OnlineReadRequest, split: StreamSplit, nowMs: number): Promise<FeatureColumn[]> {
    let rows: number;
    try {
      rows = entityRows(request.entities);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const stored = split.stored.length > 0 ? this.readStored({ entities: request.entities, features: split.stored }, nowMs) : undefined;
    const streamed = readStreamColumns(this.client, this.prefix, split, request.entities, rows, nowMs, this.send).catch((err: unknown) => {
      throw this.fail(err, `reading the tiles of ${split.views.map((v) => `"${v.layout.view}"`).join(', ')}`);
    });
    // Stream features alone (the usual stream request): their columns are the request's, in its order.
    if (stored === undefined) return streamed;
    return Promise.all([stored, streamed]).then(([storedColumns, streamColumns]) => mergeColumns(split, storedColumns, streamColumns));
  }

  private async readStored(request: OnlineReadRequest, nowMs: number): Promise<FeatureColumn[]> {
    const rows = entityRows(request.entities);
    const plan = planRead(request, this.shapeOf(request.features), rows);
    let texts: (string | null)[];
    try {
      texts = await this.mget(plan.keys);
    } catch (err) {
      throw this.fail(err, `reading ${plan.keys.length} keys`);
    }
    const fetched: (FetchedRow | null)[] = texts.map((text, i) => (text === null ? null : parseFetched(plan.keys[i] as string, text)));
    const unknown = unknownSchemaKeys(plan.shape, rows, fetched, this.schemas);
    if (unknown.length > 0) {
      try {
        await loadSchemas(unknown, this.schemas, (keys) => this.mget(keys));
      } catch (err) {
        throw this.fail(err, 'reading feature schemas');
      }
    }
    return assembleColumns(plan, request, fetched, this.schemas, nowMs);
  }

  /** The shape of a feature list, worked out on its first read (the API reads with its cached plans' lists). */
  private shapeOf(features: OnlineReadRequest['features']): ReadShape {
    let shape = this.shapes.get(features);
    if (!shape) {
      shape = readShape(features, this.prefix);
      this.shapes.set(features, shape);
    }
    return shape;
  }

  /** Standalone: sendCommand, batched per event-loop turn (read-batch.ts); a cluster needs per-slot MGETs. */
  private mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.cluster || keys.length === 0 ? mgetAll(this.client, keys, this.cluster) : mgetBatched(this.client as Redis, keys);
  }
}
