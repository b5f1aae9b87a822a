/**
 * A stream view's tiles and ingestion state in Redis (layout: keys.ts streamTilesKey / streamStateKey). A batch is
 * written by ONE call of lua/stream-apply.lua, which compares the stored positions with the ones the batch was read
 * after and writes nothing when they differ: the tiles and the positions move together or not at all, which is what
 * makes the effect exactly once (the broker is acknowledged only after, and a replay finds newer positions).
 * A batch is at most the ingest loop's batchMax events, so one script call is enough: no chained calls whose
 * intermediate positions a crash could leave behind.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { Positions, StreamState, StreamStateUpdate } from '../stream/types.js';
export type { StreamStateUpdate } from '../stream/types.js';
import { OnlineStoreError } from './errors.js';
import { streamStateKey, streamTilesKey } from './keys.js';
import { isNoScript } from './scripts.js';
import type { TileKind } from './tile-codec.js';

export { windowValues, type WindowSpec } from './tile-window.js';

const STREAM_APPLY_LUA = readFileSync(new URL('./lua/stream-apply.lua', import.meta.url), 'utf8');
const STREAM_APPLY_SHA = createHash('sha1').update(STREAM_APPLY_LUA).digest('hex');

export interface StreamViewRef {
  prefix: string;
  project: string;
  view: string;
}

/** The states of one entity's tile: [feature index in view.aggregation.features, kind, state text (tile-codec)]. */
export interface TileRow {
  entityKey: string;
  tile: number;
  states: ReadonlyArray<readonly [number, TileKind, string]>;
}

export interface TileBatch extends StreamViewRef {
  /** Positions the batch was read after, as stored now (undefined: nothing stored yet). */
  expected: Positions | undefined;
  next: StreamStateUpdate;
  rows: readonly TileRow[];
  /** Tiles kept per entity (retainedTiles()); older fields are pruned. */
  retainTiles: number;
  tileMs: number;
  /** The function of each feature of the view, in order (also the prune threshold: (retainTiles + 2) * features). */
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

/** Separators of the packed per-key records (stream-apply.lua): never inside a state text (JSON escapes them). */
const RECORD = '\x1e';
const UNIT = '\x1d';

function integerText(n: number, name: string): string {
  if (!Number.isSafeInteger(n)) throw new OnlineStoreError(`stream batch: ${name} must be a safe integer, got ${n}`);
  return String(n);
}

function scriptArgs(batch: TileBatch): { keys: string[]; argv: string[] } {
  const byKey = new Map<string, TileRow[]>();
  for (const row of batch.rows) {
    const list = byKey.get(row.entityKey);
    if (list) list.push(row);
    else byKey.set(row.entityKey, [row]);
  }
  const { next } = batch;
  const keys = [streamStateKey(batch.prefix, batch.project, batch.view)];
  const argv = [
    batch.expected === undefined ? '' : positionsJson(batch.expected),
    positionsJson(next.positions),
    next.watermarkMicros > 0 ? integerText(next.watermarkMicros, 'watermarkMicros') : '',
    integerText(next.events, 'events'),
    integerText(next.late, 'late'),
    integerText(next.invalid, 'invalid'),
    integerText(next.overflow ?? 0, 'overflow'),
    integerText(next.updatedAtMs, 'updatedAtMs'),
    next.caughtUpAtMs === undefined ? '' : integerText(next.caughtUpAtMs, 'caughtUpAtMs'),
    integerText(next.pending, 'pending'),
    integerText(batch.retainTiles, 'retainTiles'),
    integerText(batch.retainTiles * batch.tileMs, 'retention'),
    integerText((batch.retainTiles + 2) * batch.kinds.length, 'prune threshold'),
    batch.kinds.join(','),
  ];
  for (const [entityKey, rows] of byKey) {
    keys.push(streamTilesKey(batch.prefix, batch.project, batch.view, entityKey));
    const records: string[] = [];
    for (const row of rows) {
      const tile = integerText(row.tile, 'tile');
      for (const [f, kind, state] of row.states) {
        if (batch.kinds[f] !== kind) throw new OnlineStoreError(`stream batch: feature ${f} is ${String(batch.kinds[f])}, got a ${kind} state`);
        if (state.includes(RECORD)) throw new OnlineStoreError(`stream batch: a ${kind} state holds the record separator \\x1e`);
        records.push(`${tile}${UNIT}${f}${UNIT}${state}`);
      }
    }
    argv.push(records.join(RECORD));
  }
  return { keys, argv };
}

async function runScript(redis: Redis | Cluster, keys: string[], argv: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(STREAM_APPLY_SHA, keys.length, ...keys, ...argv);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return await redis.eval(STREAM_APPLY_LUA, keys.length, ...keys, ...argv);
  }
}

/**
 * Writes one batch if the stored positions are still `expected`: 'applied', or 'stale' with nothing written (another
 * consumer, or this batch already applied). Counters add, the watermark keeps the greater.
 */
export async function applyTileBatch(redis: Redis | Cluster, batch: TileBatch): Promise<'applied' | 'stale'> {
  const { keys, argv } = scriptArgs(batch);
  const reply = await runScript(redis, keys, argv);
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) {
    throw new OnlineStoreError(`stream-apply.lua answered ${JSON.stringify(reply)}, expected [1, dropped] or [0]`);
  }
  return reply[0] === 1 ? 'applied' : 'stale';
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
