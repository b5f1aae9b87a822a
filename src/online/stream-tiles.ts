/**
 * A stream view's tiles and ingestion state in Redis (layout: keys.ts streamTilesKey / streamStateKey). A batch's
 * stored tile states come from the consumer's cache of what it wrote (tile-state-cache.ts) or, for the tiles it
 * cannot tell, from lua/stream-read-tiles.lua, which reads the stored positions and those tiles in one atomic step;
 * this process merges them (stream-batch.ts), and lua/stream-apply.lua writes the merged tiles and the new positions
 * only if the positions are still the expected ones: the tiles and the positions move together or not at all, which
 * is what makes the effect exactly once (the broker is acknowledged only after, and a replay finds newer positions).
 * Every applied batch moves the positions forward, so an unchanged position also proves that no write came between
 * the read (or the cached write) and this write. In steady state a cached batch is one script call.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { Positions, StreamState, StreamStateUpdate } from '../stream/types.js';
export type { StreamStateUpdate } from '../stream/types.js';
import { OnlineStoreError } from './errors.js';
import { streamStateKey, streamTilesKey } from './keys.js';
import { isNoScript } from './scripts.js';
import { groupTileRows, mergedRecords, RECORD, type KeyBatch, type TileRow } from './stream-batch.js';
import type { MergeStats, TileKind } from './tile-codec.js';
import { READ, type TileStateCache } from './tile-state-cache.js';

export type { TileRow } from './stream-batch.js';

export { windowValues, type WindowSpec } from './tile-window.js';

const STREAM_APPLY_LUA = readFileSync(new URL('./lua/stream-apply.lua', import.meta.url), 'utf8');
const STREAM_APPLY_SHA = createHash('sha1').update(STREAM_APPLY_LUA).digest('hex');
const STREAM_READ_LUA = readFileSync(new URL('./lua/stream-read-tiles.lua', import.meta.url), 'utf8');
const STREAM_READ_SHA = createHash('sha1').update(STREAM_READ_LUA).digest('hex');

export interface StreamViewRef {
  prefix: string;
  project: string;
  view: string;
}

export interface TileBatch extends StreamViewRef {
  /** Positions the batch was read after, as stored now (undefined: nothing stored yet). */
  expected: Positions | undefined;
  next: StreamStateUpdate;
  rows: readonly TileRow[];
  /** Tiles kept per entity (retainedTiles()); older fields are pruned. */
  retainTiles: number;
  tileMs: number;
  /** The function of each feature of the view, in order. */
  kinds: readonly TileKind[];
}

/** A view's state as stored, with the count_distinct overflow counter. */
export interface StoredStreamState extends StreamState {
  overflow: number;
}

/** The canonical JSON of positions (keys sorted): the script compares stored and expected texts exactly. */
export function positionsJson(positions: Positions): string {
  const sorted: Positions = {};
  for (const k of Object.keys(positions).sort()) sorted[k] = positions[k] as string;
  return JSON.stringify(sorted);
}

/**
 * The positions as stream-apply.lua stores and compares them: "" for none, an empty set included. A state hash
 * that only an empty poll wrote (touchStreamState) has no positions, and readStreamState gives {} for it: as '{}'
 * the next run's every batch was refused as stale, and its retries too.
 */
export function storedPositionsText(positions: Positions | undefined): string {
  return positions === undefined || Object.keys(positions).length === 0 ? '' : positionsJson(positions);
}

function integerText(n: number, name: string): string {
  if (!Number.isSafeInteger(n)) throw new OnlineStoreError(`stream batch: ${name} must be a safe integer, got ${n}`);
  return String(n);
}

async function runScript(redis: Redis | Cluster, lua: string, sha: string, keys: string[], argv: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...argv);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return await redis.eval(lua, keys.length, ...keys, ...argv);
  }
}

/** The stored positions, watermark and asked fields as stream-read-tiles.lua answered them. */
function readReply(reply: unknown, keys: number): { positions: string; watermarkMicros: number; values: string[][] } {
  if (!Array.isArray(reply) || reply.length !== 2 + keys || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
    throw new OnlineStoreError(`stream-read-tiles.lua answered ${JSON.stringify(reply).slice(0, 200)}, expected positions, watermark and one entry per key`);
  }
  const watermarkMicros = reply[1] === '' ? 0 : Number(reply[1]);
  if (!Number.isFinite(watermarkMicros)) throw new OnlineStoreError(`stream state watermark ${JSON.stringify(reply[1])} is not a number`);
  const values: string[][] = [];
  for (let k = 0; k < keys; k++) {
    const text = reply[2 + k] as unknown;
    if (typeof text !== 'string') throw new OnlineStoreError(`stream-read-tiles.lua answered a malformed entry for key ${k}`);
    values.push(text.split(RECORD));
  }
  return { positions: reply[0], watermarkMicros, values };
}

interface BatchKeys {
  state: string;
  tiles: string[];
  expected: string;
}

/**
 * The stored state text of every tile of the batch, per key in the batch's order ("" where none is stored): from the
 * cache where it knows, else read with stream-read-tiles.lua, only the keys and fields it must. undefined when the
 * stored positions are not the expected ones (stale).
 */
async function storedStates(redis: Redis | Cluster, grouped: readonly KeyBatch[], keys: BatchKeys, cache: TileStateCache | undefined, nowMs: number): Promise<string[][] | undefined> {
  const known = cache?.knowsAt(keys.expected) === true;
  if (cache && !known) cache.clear();
  const stored: string[][] = [];
  const readKeys: string[] = [];
  const readFields: string[] = [];
  /** Per key read: its index in `grouped` and the indexes of the tiles read (undefined: all of them). */
  const readAt: Array<[number, number[] | undefined]> = [];
  for (let k = 0; k < grouped.length; k++) {
    const key = grouped[k] as KeyBatch;
    if (!known || cache === undefined) {
      stored.push([]);
      readKeys.push(keys.tiles[k] as string);
      readFields.push(key.fields.join(RECORD));
      readAt.push([k, undefined]);
      continue;
    }
    const values: string[] = [];
    let wanted: number[] | undefined;
    for (let i = 0; i < key.tiles.length; i++) {
      const text = cache.stored(key.entityKey, key.tiles[i] as number, nowMs);
      if (text === READ) (wanted ??= []).push(i);
      values.push(text ?? '');
    }
    stored.push(values);
    if (wanted) {
      readKeys.push(keys.tiles[k] as string);
      readFields.push(wanted.map((i) => key.fields[i] as string).join(RECORD));
      readAt.push([k, wanted]);
    }
  }
  if (readKeys.length === 0) return stored;
  const read = readReply(await runScript(redis, STREAM_READ_LUA, STREAM_READ_SHA, [keys.state, ...readKeys], readFields), readKeys.length);
  if (read.positions !== keys.expected) return undefined;
  // The tiles read and the watermark are one snapshot at the expected positions: the cache starts from it.
  if (cache && !known) cache.start(keys.expected, read.watermarkMicros);
  readAt.forEach(([k, wanted], r) => {
    const values = read.values[r] as string[];
    if (wanted === undefined) stored[k] = values;
    else wanted.forEach((i, j) => ((stored[k] as string[])[i] = values[j] ?? ''));
  });
  return stored;
}

/**
 * Writes one batch if the stored positions are still `expected`: 'applied', or 'stale' with nothing written (another
 * consumer, or this batch already applied). Counters add, the watermark keeps the greater. With a cache (one per
 * consumer run) the stored states come from what this consumer wrote; it is cleared on 'stale' or an error (a lost
 * reply may or may not have applied). Batches may be sent before the previous one's reply, on one connection: Redis
 * runs them in order, and each expects the positions the one before sets.
 */
export async function applyTileBatch(redis: Redis | Cluster, batch: TileBatch, cache?: TileStateCache): Promise<'applied' | 'stale'> {
  try {
    const result = await (cache ? cache.inSendOrder((sent) => writeBatch(redis, batch, cache, sent)) : writeBatch(redis, batch, cache));
    if (result === 'stale') cache?.clear();
    return result;
  } catch (err) {
    cache?.clear();
    throw err;
  }
}

/** `sent` is called once the write's script is sent (or the batch ends before): the next batch may then merge. */
async function writeBatch(redis: Redis | Cluster, batch: TileBatch, cache: TileStateCache | undefined, sent: () => void = () => undefined): Promise<'applied' | 'stale'> {
  const stats: MergeStats = { dropped: 0 };
  const grouped = groupTileRows(batch.rows, batch.kinds, stats);
  const keys: BatchKeys = {
    state: streamStateKey(batch.prefix, batch.project, batch.view),
    tiles: grouped.map((k) => streamTilesKey(batch.prefix, batch.project, batch.view, k.entityKey)),
    expected: storedPositionsText(batch.expected),
  };
  // Before the write is sent: a lower bound of when Redis refreshed the hashes' expiry.
  const sentAtMs = cache?.now() ?? 0;
  const stored = await storedStates(redis, grouped, keys, cache, sentAtMs);
  if (stored === undefined) return 'stale';
  const packed: string[] = [];
  const texts: string[][] = [];
  const pruneBelow: Array<number | undefined> = [];
  for (let k = 0; k < grouped.length; k++) {
    const key = grouped[k] as KeyBatch;
    const merged = mergedRecords(key, stored[k] as string[], batch.kinds, stats);
    packed.push(merged.packed);
    texts.push(merged.texts);
    // What stream-apply.lua prunes below if the batch's new field took the hash past the threshold.
    pruneBelow.push(merged.added ? key.maxTile - batch.retainTiles : undefined);
  }
  const { next } = batch;
  const nextPositions = storedPositionsText(next.positions);
  const argv = [
    keys.expected,
    nextPositions,
    next.watermarkMicros > 0 ? integerText(next.watermarkMicros, 'watermarkMicros') : '',
    integerText(next.events, 'events'),
    integerText(next.late, 'late'),
    integerText(next.invalid, 'invalid'),
    integerText((next.overflow ?? 0) + stats.dropped, 'overflow'),
    integerText(next.updatedAtMs, 'updatedAtMs'),
    next.caughtUpAtMs === undefined ? '' : integerText(next.caughtUpAtMs, 'caughtUpAtMs'),
    integerText(next.pending, 'pending'),
    integerText(batch.retainTiles * batch.tileMs, 'retention'),
    integerText(batch.retainTiles, 'retainTiles'),
    ...packed,
  ];
  // Recorded before the reply: the ingest loop sends the next batch while this one is in flight, and that batch
  // merges on these states. Should this write not apply, applyTileBatch clears the cache, and the next batch, which
  // expects this one's positions, finds others and writes nothing (the loop throws on this one first).
  if (cache) {
    grouped.forEach((key, k) => cache.wrote(key.entityKey, key.tiles, texts[k] as string[], pruneBelow[k], sentAtMs));
    cache.applied(nextPositions, next.watermarkMicros);
  }
  const sending = runScript(redis, STREAM_APPLY_LUA, STREAM_APPLY_SHA, [keys.state, ...keys.tiles], argv);
  sent();
  const reply = await sending;
  if (reply !== 0 && reply !== 1) throw new OnlineStoreError(`stream-apply.lua answered ${JSON.stringify(reply)}, expected 1 or 0`);
  return reply === 1 ? 'applied' : 'stale';
}

/** An empty poll: a live consumer with nothing new (freshness), without touching positions or counters. */
export async function touchStreamState(
  redis: Redis | Cluster,
  ref: StreamViewRef,
  update: Pick<StreamStateUpdate, 'updatedAtMs' | 'caughtUpAtMs' | 'pending'>,
): Promise<void> {
  const fields: Record<string, string> = { updatedAt: String(update.updatedAtMs), pending: String(update.pending) };
  if (update.caughtUpAtMs !== undefined) fields.caughtUpAt = String(update.caughtUpAtMs);
  await redis.hset(streamStateKey(ref.prefix, ref.project, ref.view), fields);
}

function count(text: string | undefined): number {
  const n = Number(text ?? '0');
  return Number.isFinite(n) ? n : 0;
}

function parsePositions(text: string | undefined): Positions {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // Reported below.
  }
  throw new OnlineStoreError(`stream state positions ${JSON.stringify(text.slice(0, 80))} are not a JSON object of strings`);
}

/** The view's stored state, or undefined before its first batch. */
export async function readStreamState(redis: Redis | Cluster, ref: StreamViewRef): Promise<StoredStreamState | undefined> {
  const h = await redis.hgetall(streamStateKey(ref.prefix, ref.project, ref.view));
  if (Object.keys(h).length === 0) return undefined;
  return {
    positions: parsePositions(h.positions),
    watermarkMicros: count(h.watermark),
    events: count(h.events),
    late: count(h.late),
    invalid: count(h.invalid),
    overflow: count(h.overflow),
    updatedAtMs: count(h.updatedAt),
    caughtUpAtMs: count(h.caughtUpAt),
    pending: count(h.pending),
  };
}

/** Tile hashes of several entities (keys from streamTilesKey), in one pipeline round trip; {} for a missing key. */
export async function readStreamTiles(redis: Redis | Cluster, keys: readonly string[]): Promise<Array<Record<string, string>>> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((key, i) => {
    const [err, value] = replies[i] ?? [new Error('no reply'), undefined];
    if (err) throw new OnlineStoreError(`HGETALL ${key} failed: ${err.message}`, { cause: err });
    return (value ?? {}) as Record<string, string>;
  });
}
