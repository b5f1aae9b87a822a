/**
 * The partial state one time tile holds for one feature of a stream view, as stored in the tile hash (pure).
 * lua/stream-apply.lua merges the same texts inside Redis; the two must agree, which test/integration/online/
 * stream-tiles.test.ts checks. Texts per function:
 *
 * - count: `n`                 - sum, avg: `n,s` (n non-null values, s their sum)   - min, max: `v`
 * - stddev: `n,mean,m2` (merged with Chan's parallel formula, so no sum of squares cancels the digits that matter)
 * - count_distinct: the JSON texts of the distinct values joined by "\x1f" (JSON escapes control characters, so
 *   the separator never occurs inside one), at most MAX_DISTINCT_PER_TILE per tile: beyond, values are dropped and
 *   counted (state `overflow`), so a count over such a tile is a lower bound.
 * - last: `e|json` (e = event micros); the merge keeps the greater e, on a tie the greater value (numbers
 *   numerically, strings by UTF-8 bytes, false < true), as DuckDB's max(struct_pack(e, v)) does in training.
 * Numbers are written as the shortest text that reads back as the same double (Lua writes %.17g; both round-trip).
 * A field is absent when the tile holds no qualifying value, so no state is "empty"; finalize(kind, undefined) is the
 * value of a window without one, as SQL gives it (count 0, the others NULL).
 */
import { AGGREGATION_FUNCTIONS, type AggregationFeature } from '../registry/schema.js';
import { OnlineStoreError } from './errors.js';

export type TileKind = AggregationFeature['function'];
export const TILE_KINDS: readonly TileKind[] = AGGREGATION_FUNCTIONS;
/** Distinct values kept per tile and feature (count_distinct); documented limit of exactness. */
export const MAX_DISTINCT_PER_TILE = 10_000;
export const DISTINCT_SEPARATOR = '\x1f';
/**
 * Separates the feature states of one tile: a tile hash holds one field per tile (`<tile>`) whose value is every
 * feature's state in view.aggregation.features order, "" where the tile holds no qualifying value. One field per
 * (tile, feature) made hashes of ~300 fields, outgrowing Redis' compact listpack encoding, and cost Redis 2-3x
 * more per ingested batch (bench/stream/ingest.ts).
 */
export const FEATURE_SEPARATOR = '\x1c';

/** A tile field's value from its feature states ("" where absent). */
export function joinTileStates(states: readonly string[]): string {
  return states.join(FEATURE_SEPARATOR);
}

/** The feature states of a tile field's value; throws when it holds another number of features than the view. */
export function splitTileStates(text: string, features: number): string[] {
  const states = text.split(FEATURE_SEPARATOR);
  if (states.length !== features) throw tileWidthError(states.length, features);
  return states;
}

/** A tile holding `found` feature states read for a view of `features`. */
export function tileWidthError(found: number, features: number): OnlineStoreError {
  return new OnlineStoreError(
    `a stream tile in Redis holds ${found} feature states, the view has ${features}: the view's aggregation features changed since its tiles were written; clear the view's stream tiles and replay`,
  );
}

export type TileState =
  | { kind: 'count'; n: number }
  | { kind: 'sum' | 'avg'; n: number; s: number }
  | { kind: 'min' | 'max'; v: number }
  | { kind: 'stddev'; n: number; mean: number; m2: number }
  /** JSON texts of the distinct values. */
  | { kind: 'count_distinct'; values: string[] }
  /** v: the JSON text of the value. */
  | { kind: 'last'; e: number; v: string };

/** A finalized feature value: counts and sums as numbers, `last` as its JSON value. */
export type FeatureValue = number | string | boolean | null;

/** Shortest round-trip text; Lua's %.17g `inf`/`nan` are read back by parseNumber. */
export function formatNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

function parseNumber(text: string, field: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan' || lower === '-nan') return NaN;
  const x = text.trim() === '' ? NaN : Number(text);
  if (Number.isNaN(x)) throw corrupt(field, text);
  return x;
}

function corrupt(kind: string, text: string): OnlineStoreError {
  return new OnlineStoreError(`corrupt ${kind} tile state ${JSON.stringify(text.slice(0, 80))} in Redis: clear the view's stream tiles and replay`);
}

export function isTileKind(text: string): text is TileKind {
  return (TILE_KINDS as readonly string[]).includes(text);
}

export function encodeTileState(state: TileState): string {
  switch (state.kind) {
    case 'count':
      return formatNumber(state.n);
    case 'sum':
    case 'avg':
      return `${formatNumber(state.n)},${formatNumber(state.s)}`;
    case 'min':
    case 'max':
      return formatNumber(state.v);
    case 'stddev':
      return `${formatNumber(state.n)},${formatNumber(state.mean)},${formatNumber(state.m2)}`;
    case 'count_distinct':
      return state.values.join(DISTINCT_SEPARATOR);
    case 'last':
      return `${formatNumber(state.e)}|${state.v}`;
  }
}

function numbers(kind: TileKind, text: string, count: number): number[] {
  const parts = text.split(',');
  if (parts.length !== count) throw corrupt(kind, text);
  return parts.map((p) => parseNumber(p, kind));
}

export function parseTileState(kind: TileKind, text: string): TileState {
  switch (kind) {
    case 'count':
      return { kind, n: parseNumber(text, kind) };
    case 'sum':
    case 'avg': {
      const [n, s] = numbers(kind, text, 2) as [number, number];
      return { kind, n, s };
    }
    case 'min':
    case 'max':
      return { kind, v: parseNumber(text, kind) };
    case 'stddev': {
      const [n, mean, m2] = numbers(kind, text, 3) as [number, number, number];
      return { kind, n, mean, m2 };
    }
    case 'count_distinct':
      return { kind, values: text === '' ? [] : text.split(DISTINCT_SEPARATOR) };
    case 'last': {
      const bar = text.indexOf('|');
      if (bar <= 0) throw corrupt(kind, text);
      return { kind, e: parseNumber(text.slice(0, bar), kind), v: text.slice(bar + 1) };
    }
  }
}

function decode(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** Order of two `last` values with equal event times (JSON texts): > 0 when a is the greater. */
export function compareLastValues(a: string, b: string): number {
  const [x, y] = [decode(a), decode(b)];
  if (typeof x === 'number' && typeof y === 'number') return x === y ? 0 : x > y ? 1 : -1;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  if (typeof x === 'string' && typeof y === 'string') return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Counts what merges drop (count_distinct beyond MAX_DISTINCT_PER_TILE). */
export interface MergeStats {
  dropped: number;
}

function mergeDistinct(a: string[], b: string[], cap: number, stats?: MergeStats): string[] {
  const seen = new Set(a);
  const out = [...a];
  for (const v of b) {
    if (seen.has(v)) continue;
    if (out.length >= cap) {
      if (stats) stats.dropped++;
      continue;
    }
    seen.add(v);
    out.push(v);
  }
  return out;
}

/**
 * Merges two states of the same feature: of one tile across batches (count_distinct capped per tile, as the Lua
 * merge), or of a window's tiles (pass `distinctCap` Infinity: the cap is per tile, not per window).
 */
export function mergeTileStates(a: TileState, b: TileState, stats?: MergeStats, distinctCap = MAX_DISTINCT_PER_TILE): TileState {
  if (a.kind !== b.kind) throw new OnlineStoreError(`cannot merge a ${a.kind} tile state with a ${b.kind} one`);
  switch (a.kind) {
    case 'count':
      return { kind: a.kind, n: a.n + (b as typeof a).n };
    case 'sum':
    case 'avg': {
      const o = b as typeof a;
      return { kind: a.kind, n: a.n + o.n, s: a.s + o.s };
    }
    case 'min':
      return { kind: a.kind, v: Math.min(a.v, (b as typeof a).v) };
    case 'max':
      return { kind: a.kind, v: Math.max(a.v, (b as typeof a).v) };
    case 'stddev': {
      // Chan et al.; the same operations in the same order as stream-apply.lua, so both give the same bits.
      const o = b as typeof a;
      const n = a.n + o.n;
      const d = o.mean - a.mean;
      return { kind: a.kind, n, mean: a.mean + (d * o.n) / n, m2: a.m2 + o.m2 + (d * d * a.n * o.n) / n };
    }
    case 'count_distinct':
      return { kind: a.kind, values: mergeDistinct(a.values, (b as typeof a).values, distinctCap, stats) };
    case 'last': {
      const o = b as typeof a;
      if (o.e !== a.e) return o.e > a.e ? o : a;
      return compareLastValues(o.v, a.v) > 0 ? o : a;
    }
  }
}

/** The feature's value from the merged state of a window (undefined: no tile held a qualifying value), as SQL. */
/** avg's value from its merged state: null over no values. Shared with the read-side folds (tile-fold.ts). */
export function averageOf(n: number, s: number): number | null {
  return n === 0 ? null : s / n;
}

/** stddev's value (sample) from its merged state: null below 2 values. Shared with the read-side folds. */
export function sampleStddevOf(n: number, m2: number): number | null {
  return n < 2 ? null : Math.sqrt(Math.max(m2 / (n - 1), 0));
}

export function finalizeTileState(kind: TileKind, state: TileState | undefined): FeatureValue {
  if (state === undefined) return kind === 'count' || kind === 'count_distinct' ? 0 : null;
  switch (state.kind) {
    case 'count':
      return state.n;
    case 'sum':
      return state.s;
    case 'avg':
      return averageOf(state.n, state.s);
    case 'min':
    case 'max':
      return state.v;
    case 'stddev':
      return sampleStddevOf(state.n, state.m2);
    case 'count_distinct':
      return state.values.length;
    case 'last': {
      const v = decode(state.v);
      return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : state.v;
    }
  }
}

/** The kinds whose state text is numbers only. */
export type NumericTileKind = Exclude<TileKind, 'count_distinct' | 'last'>;

function numberCount(kind: NumericTileKind): number {
  return kind === 'stddev' ? 3 : kind === 'sum' || kind === 'avg' ? 2 : 1;
}

/**
 * Read side: the numbers of a numeric state text into `out` (count `n`; sum, avg `n, s`; min, max `v`; stddev `n,
 * mean, m2`), for folding many tiles per request without an object per state (tile-fold.ts). The values and the
 * errors are parseTileState's: a text the quick path does not take (Lua's inf/nan spellings, anything odd) is parsed
 * by it. The quick path takes a part only when it starts with a digit or '-' (so it is not blank, which Number()
 * would read as 0 and parseNumber refuses) and Number() reads it (then parseNumber reads the same number).
 */
export function readStateNumbers(kind: NumericTileKind, text: string, out: Float64Array): void {
  const count = numberCount(kind);
  let from = 0;
  for (let i = 0; i < count; i++) {
    const end = i === count - 1 ? text.length : text.indexOf(',', from);
    const c = text.charCodeAt(from);
    const x = end < 0 || !((c >= 48 && c <= 57) || c === 45) ? NaN : Number(end === text.length && from === 0 ? text : text.slice(from, end));
    if (Number.isNaN(x)) return readStateNumbersExactly(kind, text, out);
    out[i] = x;
    from = end + 1;
  }
}

function readStateNumbersExactly(kind: NumericTileKind, text: string, out: Float64Array): void {
  const state = parseTileState(kind, text);
  switch (state.kind) {
    case 'count':
      out[0] = state.n;
      return;
    case 'sum':
    case 'avg':
      out[0] = state.n;
      out[1] = state.s;
      return;
    case 'min':
    case 'max':
      out[0] = state.v;
      return;
    case 'stddev':
      out[0] = state.n;
      out[1] = state.mean;
      out[2] = state.m2;
      return;
    default:
      throw new OnlineStoreError(`readStateNumbers: ${kind} is not a numeric tile state`);
  }
}
