/**
 * A stream view's feature values at a request time from one entity's tile states (pure; serving calls it per entity).
 * Window W at time T merges the tiles from firstWindowTile(T, W, s) through the tile holding T (later tiles hold
 * events after T, e.g. from clocks running ahead, and are left out), then finalizes like SQL. This is the range
 * stream-training.ts computes from the batch source, so training equals serving.
 *
 * A read puts the hash's states of the tiles and features it needs in order (orderedTexts: newest tile first) and
 * folds them in one pass (windowValuesOrdered): each feature's tiles are merged newest to oldest and every window's
 * value is read off as the pass goes by its first tile, so the windows, nested as they are, share the work. The merge
 * order is fixed (newest first, not the hash's order): the values are those of mergeTileStates over the window's
 * tiles in that order, bit for bit. (HMGET of just those fields would be O(fields x hash size) on a listpack hash,
 * which Redis keeps hashes of up to hash-max-listpack-entries fields as: 7x the Redis CPU of HGETALL when a hash
 * had a field per tile and feature, 305 of them.)
 */
import { firstWindowTile, tileOf } from '../registry/stream-tiles.js';
import { splitTileStates, type FeatureValue, type TileKind } from './tile-codec.js';
import { tileFold } from './tile-fold.js';

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

/** The tiles a read at one instant folds: `last` down to `earliest` (none when earliest > last). */
export interface TileSpan {
  atMicros: number;
  last: number;
  earliest: number;
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

/** The number a run of ASCII digits spells (Number() of it), NaN for an empty run or any other character. */
function digits(text: string, from: number, to: number): number {
  if (from >= to) return NaN;
  // Beyond 2^53 a digit-by-digit sum would round otherwise than Number() does.
  const long = to - from > 15;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    n = n * 10 + (c - 48);
  }
  return long ? Number(text.slice(from, to)) : n;
}

/** The tile a tile field names (`<tile>`, -?\d+), NaN for any other field. */
function tileOfField(field: string): number {
  const negative = field.charCodeAt(0) === 45;
  const tile = digits(field, negative ? 1 : 0, field.length);
  return negative ? -tile : tile;
}

/**
 * The states windowValuesOrdered folds (null: none), from an entity's tile hash as HGETALL gives it: the raw reply,
 * [field, value, field, value, ...], or an object. A field is a tile (`<tile>`) and its value every feature's state
 * (tile-codec joinTileStates); tiles outside the span, features not selected and fields of another form are left
 * out. A tile holding another number of features than the view throws (the view changed; its tiles must be cleared).
 */
export function orderedTexts(hash: readonly string[] | Readonly<Record<string, string>>, spec: WindowSpec, selection: WindowSelection, span: TileSpan): Array<string | null> {
  const width = selection.features.length;
  const texts = new Array<string | null>(Math.max(0, span.last - span.earliest + 1) * width).fill(null);
  const place = (field: string, value: string): void => {
    const tile = tileOfField(field);
    if (Number.isNaN(tile) || tile > span.last || tile < span.earliest) return;
    const states = splitTileStates(value, spec.kinds.length);
    const at = (span.last - tile) * width;
    selection.features.forEach((f, column) => {
      const state = states[f] as string;
      if (state !== '') texts[at + column] = state;
    });
  };
  if (Array.isArray(hash)) {
    const flat = hash as readonly string[];
    for (let i = 0; i + 1 < flat.length; i += 2) place(flat[i] as string, flat[i + 1] as string);
  } else {
    const fields = hash as Readonly<Record<string, string>>;
    for (const field in fields) if (Object.hasOwn(fields, field)) place(field, fields[field] as string);
  }
  return texts;
}

/**
 * values[feature][window] from `texts` (orderedTexts): the state of the selection's feature at column c in tile t at
 * texts[(span.last - t) * features + c], null when none. Entries the selection leaves out are null.
 */
export function windowValuesOrdered(texts: ReadonlyArray<string | null>, spec: WindowSpec, selection: WindowSelection, span: TileSpan): FeatureValue[][] {
  const values: FeatureValue[][] = spec.kinds.map(() => spec.windowMicros.map(() => null));
  // The selected windows, shortest first (latest first tile first): the order the pass reaches them in.
  const firsts = selection.windows.map((j) => firstWindowTile(span.atMicros, spec.windowMicros[j] as number, spec.tileMicros));
  const order = selection.windows.map((_, k) => k).sort((x, y) => (firsts[y] as number) - (firsts[x] as number));
  const width = selection.features.length;
  selection.features.forEach((f, column) => {
    const fold = tileFold(spec.kinds[f] as TileKind);
    const row = values[f] as FeatureValue[];
    let next = 0;
    for (let tile = span.last, at = column; tile >= span.earliest; tile--, at += width) {
      // Every tile of the windows starting after this tile has been folded.
      for (; next < order.length && (firsts[order[next] as number] as number) > tile; next++) row[selection.windows[order[next] as number] as number] = fold.value();
      const text = texts[at];
      if (text !== null && text !== undefined) fold.add(text);
    }
    for (; next < order.length; next++) row[selection.windows[order[next] as number] as number] = fold.value();
  });
  return values;
}

/** values[feature][window] for the entity whose tile hash (as HGETALL returns it) is `fields`, at `atMicros`. */
export function windowValues(fields: Readonly<Record<string, string>>, spec: WindowSpec, atMicros: number): FeatureValue[][] {
  const selection = selectAll(spec);
  const span = windowSpan(spec, selection, atMicros);
  return windowValuesOrdered(orderedTexts(fields, spec, selection, span), spec, selection, span);
}
