/**
 * A stream view's tiles and ingestion state in Redis (layout: keys.ts streamTilesKey / streamStateKey). A batch is
 * written in two script calls: lua/stream-read-tiles.lua reads the stored positions and the batch's tiles in one
 * atomic step, this process merges them (stream-batch.ts), and lua/stream-apply.lua writes the merged tiles and the
 * new positions only if the positions are still the ones the batch was read after: the tiles and the positions move
 * together or not at all, which is what makes the effect exactly once (the broker is acknowledged only after, and a
 * replay finds newer positions). Every applied batch moves the positions forward, so an unchanged position also
 * proves that no write came between the read and the write.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { Positions, StreamState, StreamStateUpdate } from '../stream/types.js';
export type { StreamStateUpdate } from '../stream/types.js';
import { OnlineStoreError } from './errors.js';
import { streamStateKey, streamTilesKey } from './keys.js';
import { isNoScript } from './scripts.js';
import { groupTileRows, mergedRecords, RECORD, type StoredFields, type TileRow } from './stream-batch.js';
import type { MergeStats, TileKind } from './tile-codec.js';

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

/** The stored positions and the batch's fields as stream-read-tiles.lua answered them. */
function storedFields(reply: unknown, keys: number): { positions: string; fields: StoredFields[] } {
  if (!Array.isArray(reply) || reply.length !== 1 + 2 * keys || typeof reply[0] !== 'string') {
    throw new OnlineStoreError(`stream-read-tiles.lua answered ${JSON.stringify(reply).slice(0, 200)}, expected positions and 2 entries per key`);
  }
  const fields: StoredFields[] = [];
  for (let k = 0; k < keys; k++) {
    const values = reply[1 + 2 * k] as unknown;
    const fieldCount = reply[2 + 2 * k] as unknown;
    if (typeof values !== 'string' || typeof fieldCount !== 'number') throw new OnlineStoreError(`stream-read-tiles.lua answered a malformed entry for key ${k}`);
    fields.push({ values: values.split(RECORD), fieldCount });
  }
  return { positions: reply[0], fields };
}

/**
 * Writes one batch if the stored positions are still `expected`: 'applied', or 'stale' with nothing written (another
 * consumer, or this batch already applied). Counters add, the watermark keeps the greater.
 */
export async function applyTileBatch(redis: Redis | Cluster, batch: TileBatch): Promise<'applied' | 'stale'> {
  const stats: MergeStats = { dropped: 0 };
  const grouped = groupTileRows(batch.rows, batch.kinds, stats);
  const keys = [streamStateKey(batch.prefix, batch.project, batch.view), ...grouped.map((k) => streamTilesKey(batch.prefix, batch.project, batch.view, k.entityKey))];
  const expected = batch.expected === undefined ? '' : positionsJson(batch.expected);
  let stored: StoredFields[] = [];
  if (grouped.length > 0) {
    const read = storedFields(await runScript(redis, STREAM_READ_LUA, STREAM_READ_SHA, keys, grouped.map((k) => k.fields.join(RECORD))), grouped.length);
    if (read.positions !== expected) return 'stale';
    stored = read.fields;
  }
  const pruneAt = batch.retainTiles + 2;
  const packed: string[] = [];
  const prune: string[] = [];
  grouped.forEach((key, i) => {
    const merged = mergedRecords(key, stored[i] as StoredFields, batch.kinds, stats, pruneAt);
    packed.push(merged.packed);
    if (merged.prune) prune.push(`${i + 2}:${key.maxTile - batch.retainTiles}`);
  });
  const { next } = batch;
  const argv = [
    expected,
    positionsJson(next.positions),
    next.watermarkMicros > 0 ? integerText(next.watermarkMicros, 'watermarkMicros') : '',
    integerText(next.events, 'events'),
    integerText(next.late, 'late'),
    integerText(next.invalid, 'invalid'),
    integerText((next.overflow ?? 0) + stats.dropped, 'overflow'),
    integerText(next.updatedAtMs, 'updatedAtMs'),
    next.caughtUpAtMs === undefined ? '' : integerText(next.caughtUpAtMs, 'caughtUpAtMs'),
    integerText(next.pending, 'pending'),
    integerText(batch.retainTiles * batch.tileMs, 'retention'),
    prune.join(','),
    ...packed,
  ];
  const reply = await runScript(redis, STREAM_APPLY_LUA, STREAM_APPLY_SHA, keys, argv);
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
