/**
 * The time tiles of a stream view (pure; shared by ingestion, serving and training). Tile i of size s holds the
 * events with i*s <= t < (i+1)*s. A window W at request time T covers the tiles from the one holding T - W through
 * the one holding T, events up to T: its start is rounded down to its tile (as Chronon rounds to its hops), so a
 * 5-minute window at 12:03:30 with 1-minute tiles counts the events from 11:58:00 to 12:03:30. Serving merges those
 * tiles from Redis; training computes the same range from the batch source, so both give the same value.
 */
import { parseDuration } from './duration.js';
import type { Aggregation } from './schema.js';

/** Tile sizes chosen when a view names none, in seconds. */
const STANDARD_TILES = [1, 5, 10, 30, 60, 300, 900, 3600] as const;
/** Tiles per window at most: each read merges this many tiles per entity for the longest window. */
export const MAX_TILES_PER_WINDOW = 2000;
const MICROS = 1_000_000;
const DAY = 86_400;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The tile size in seconds: the view's `tile`, else the largest standard size that divides every window, is at most
 * a fifth of the shortest (so the rounded start moves a window by at most a fifth) and at most 1 minute for windows
 * under a day (1 hour otherwise). Returns a problem text instead when none fits.
 */
export function tileSecondsOrProblem(aggregation: Pick<Aggregation, 'windows' | 'tile'>): number | string {
  const windows = aggregation.windows.map((w) => parseDuration(w));
  const longest = Math.max(...windows);
  if (aggregation.tile !== undefined) {
    const tile = parseDuration(aggregation.tile);
    if (tile <= 0) return 'a tile must be longer than 0';
    const misfit = windows.find((w) => w % tile !== 0);
    if (misfit !== undefined) return `tile ${String(aggregation.tile)} does not divide window ${misfit}s: pick a tile every window is a multiple of`;
    if (longest / tile > MAX_TILES_PER_WINDOW) {
      return `tile ${String(aggregation.tile)} cuts the ${longest}s window into ${longest / tile} tiles (at most ${MAX_TILES_PER_WINDOW}): pick a larger tile`;
    }
    return tile;
  }
  const shortest = Math.min(...windows);
  const cap = Math.min(shortest / 5, longest < DAY ? 60 : 3600);
  const common = windows.reduce(gcd);
  const candidates = [...STANDARD_TILES, common].filter((t) => t <= Math.max(cap, 1) && windows.every((w) => w % t === 0));
  const tile = Math.max(...candidates, 0);
  if (tile === 0 || longest / tile > MAX_TILES_PER_WINDOW) {
    return `no tile size fits windows ${aggregation.windows.join(', ')}: set aggregation.tile to a duration every window is a multiple of`;
  }
  return tile;
}

export function tileSeconds(aggregation: Pick<Aggregation, 'windows' | 'tile'>): number {
  const tile = tileSecondsOrProblem(aggregation);
  if (typeof tile === 'string') throw new Error(tile);
  return tile;
}

export function tileOf(eventMicros: number, tileMicros: number): number {
  return Math.floor(eventMicros / tileMicros);
}

/** First tile of window `windowMicros` at request time `atMicros` (the last is the tile holding `atMicros`). */
export function firstWindowTile(atMicros: number, windowMicros: number, tileMicros: number): number {
  return Math.floor((atMicros - windowMicros) / tileMicros);
}

/** Tiles an entity keeps: the longest window, the allowed lateness and two tiles of slack. */
export function retainedTiles(windowSeconds: readonly number[], latenessSeconds: number, tileSecs: number): number {
  return Math.ceil((Math.max(...windowSeconds) + latenessSeconds) / tileSecs) + 2;
}

export function secondsToMicros(seconds: number): number {
  return seconds * MICROS;
}
