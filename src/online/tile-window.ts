/**
 * A stream view's feature values at a request time from one entity's tile states (pure; serving calls it per entity).
 * Window W at time T merges the tiles from firstWindowTile(T, W, s) through the tile holding T (later tiles hold
 * events after T, e.g. from clocks running ahead, and are left out), then finalizes like SQL. This is the range
 * stream-training.ts computes from the batch source, so training equals serving.
 *
 * A read finds the hash's states of the tiles and features it needs, in order (orderedStates: newest tile first), and
 * folds them in one pass (windowValuesOrdered): each feature's tiles are merged newest to oldest and every window's
 * value is read off as the pass goes by its first tile, so the windows, nested as they are, share the work. The merge
 * order is fixed (newest first, not the hash's order): the values are those of mergeTileStates over the window's
 * tiles in that order, bit for bit. (HMGET of just those fields would be O(fields x hash size) on a listpack hash,
 * which Redis keeps hashes of up to hash-max-listpack-entries fields as: 7x the Redis CPU of HGETALL when a hash
 * had a field per tile and feature, 305 of them.)
 */
import { firstWindowTile, tileOf } from '../registry/stream-tiles.js';
import type { FeatureValue, TileKind } from './tile-codec.js';
import { tileFold, type TileFold } from './tile-fold.js';
import { scannedSize, scanTileStates, type ScannedStates, type TileSpan } from './tile-scan.js';

export type { ScannedStates, TileSpan } from './tile-scan.js';

export interface WindowSpec {
  /** The function of each feature, in view.aggregation.features order (the order of a tile field's states). */
  kinds: readonly TileKind[];
  windowMicros: readonly number[];
  tileMicros: number;
}

/** The features (into kinds) and windows (into windowMicros) a read needs, ascending; the rest come back null. */
export interface WindowSelection {
  features: readonly number[];
  windows: readonly number[];
}

export function selectAll(spec: WindowSpec): WindowSelection {
  return { features: spec.kinds.map((_, f) => f), windows: spec.windowMicros.map((_, j) => j) };
}

export function windowSpan(spec: WindowSpec, selection: WindowSelection, atMicros: number): TileSpan {
  const last = tileOf(atMicros, spec.tileMicros);
  let earliest = last + 1;
  for (const j of selection.windows) earliest = Math.min(earliest, firstWindowTile(atMicros, spec.windowMicros[j] as number, spec.tileMicros));
  return { atMicros, last, earliest };
}

/**
 * The states windowValuesOrdered folds, from an entity's tile hash: the one text stream-tiles-text.lua returns (fields
 * and values joined by "\x1e"), or as HGETALL gives it (the raw reply, [field, value, ...], or an object; joined so,
 * as they are read once in a while, not per request). A field is a tile (`<tile>`) and its value every feature's
 * state (tile-codec joinTileStates); tiles outside the span, features not selected and fields of another form are
 * left out. A tile holding another number of features than the view throws (the view changed; clear its tiles).
 */
export function orderedStates(hash: string | readonly string[] | Readonly<Record<string, string>>, spec: WindowSpec, selection: WindowSelection, span: TileSpan): ScannedStates {
  return scanTileStates(typeof hash === 'string' ? hash : joined(hash), spec.kinds.length, selection.features, span);
}

function joined(hash: readonly string[] | Readonly<Record<string, string>>): string {
  return (Array.isArray(hash) ? (hash as readonly string[]) : Object.entries(hash).flat()).join('\x1e');
}

/** One fold per function for the process, reset per feature: a read folds its features one by one, synchronously. */
const folds = new Map<TileKind, TileFold>();

function freshFold(kind: TileKind): TileFold {
  const fold = folds.get(kind);
  if (fold === undefined) {
    const made = tileFold(kind);
    folds.set(kind, made);
    return made;
  }
  fold.reset();
  return fold;
}

/**
 * The selected windows (indexes into selection.windows), shortest first: the order a newest-first pass reaches their
 * first tiles in, as firstWindowTile(at, W, s) never grows with W (ties fold to the same value, so their order does
 * not matter). It depends on the selection alone, so it is worked out once per selection, not sorted per read.
 */
const orders = new WeakMap<WindowSelection, { spec: WindowSpec; order: number[] }>();

function windowOrder(spec: WindowSpec, selection: WindowSelection): readonly number[] {
  const known = orders.get(selection);
  if (known !== undefined && known.spec === spec) return known.order;
  const micros = (k: number): number => spec.windowMicros[selection.windows[k] as number] as number;
  const order = selection.windows.map((_, k) => k).sort((x, y) => micros(x) - micros(y));
  orders.set(selection, { spec, order });
  return order;
}

/** values[feature][window] from `states` (orderedStates); entries the selection leaves out are null. */
export function windowValuesOrdered(states: ScannedStates, spec: WindowSpec, selection: WindowSelection, span: TileSpan): FeatureValue[][] {
  const values: FeatureValue[][] = spec.kinds.map(() => spec.windowMicros.map(() => null));
  const order = windowOrder(spec, selection);
  const windows = selection.windows;
  const width = selection.features.length;
  const { text, ranges } = states;
  for (let column = 0; column < width; column++) {
    const f = selection.features[column] as number;
    const fold = freshFold(spec.kinds[f] as TileKind);
    const row = values[f] as FeatureValue[];
    let next = 0;
    // The first tile of the next window to read off (order[next]); firstWindowTile per step, not an array per read.
    let first = next < order.length ? firstTileOf(spec, windows, order, next, span) : -Infinity;
    for (let tile = span.last, at = column; tile >= span.earliest; tile--, at += width) {
      // Every tile of the windows starting after this tile has been folded.
      while (first > tile) {
        row[windows[order[next] as number] as number] = fold.value();
        first = ++next < order.length ? firstTileOf(spec, windows, order, next, span) : -Infinity;
      }
      const from = ranges[2 * at] as number;
      if (from >= 0) fold.add(text, from, ranges[2 * at + 1] as number);
    }
    for (; next < order.length; next++) row[windows[order[next] as number] as number] = fold.value();
  }
  return values;
}

function firstTileOf(spec: WindowSpec, windows: readonly number[], order: readonly number[], next: number, span: TileSpan): number {
  return firstWindowTile(span.atMicros, spec.windowMicros[windows[order[next] as number] as number] as number, spec.tileMicros);
}

/** The ranges serving scans into: a read is scanned and folded in one synchronous call, so one array serves them all. */
let scratch = new Int32Array(1024);

/**
 * windowValuesOrdered(orderedStates(hash, ...)), scanning into a buffer kept for the process rather than a new one
 * per read (serving's path: stream-read.ts).
 */
export function windowValuesOf(hash: string | readonly string[] | Readonly<Record<string, string>>, spec: WindowSpec, selection: WindowSelection, span: TileSpan): FeatureValue[][] {
  const size = scannedSize(selection.features, span);
  if (scratch.length < size) scratch = new Int32Array(size);
  const text = typeof hash === 'string' ? hash : joined(hash);
  return windowValuesOrdered(scanTileStates(text, spec.kinds.length, selection.features, span, scratch), spec, selection, span);
}

/** values[feature][window] for the entity whose tile hash (as HGETALL returns it) is `fields`, at `atMicros`. */
export function windowValues(fields: Readonly<Record<string, string>>, spec: WindowSpec, atMicros: number): FeatureValue[][] {
  const selection = selectAll(spec);
  const span = windowSpan(spec, selection, atMicros);
  return windowValuesOf(fields, spec, selection, span);
}
