/**
 * A stream view's feature values at a request time from one entity's tile states (pure; serving calls it per entity).
 * Window W at time T merges the tiles from firstWindowTile(T, W, s) through the tile holding T (later tiles hold
 * events after T, e.g. from clocks running ahead, and are left out), then finalizes like SQL. This is the range
 * stream-training.ts computes from the batch source, so training equals serving.
 *
 * A read asks Redis for exactly the fields it needs (windowFields: HMGET, newest tile first) and folds them in one
 * pass (windowValuesOrdered): each feature's tiles are merged newest to oldest and every window's value is read off
 * as the pass goes by its first tile, so the windows, nested as they are, share the work. The merge order is fixed
 * (newest first): the values are those of mergeTileStates over the window's tiles in that order, bit for bit.
 */
import { firstWindowTile, tileOf } from '../registry/stream-tiles.js';
import type { FeatureValue, TileKind } from './tile-codec.js';
import { tileFold } from './tile-fold.js';

export interface WindowSpec {
  /** The function of each feature, in view.aggregation.features order (field `${tile}:${index}`). */
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

/** True when two spans fold the same fields (so a read may reuse the other's windowFields). */
export function sameTiles(a: TileSpan, b: TileSpan): boolean {
  return a.last === b.last && a.earliest === b.earliest;
}

/** The fields `${tile}:${feature}` a read folds: tiles newest first, each with the selected features in order. */
export function windowFields(selection: WindowSelection, span: TileSpan): string[] {
  const fields: string[] = [];
  for (let tile = span.last; tile >= span.earliest; tile--) for (const f of selection.features) fields.push(`${tile}:${f}`);
  return fields;
}

/**
 * values[feature][window] from `texts`, the states of windowFields(selection, span) in that order (null: no state).
 * Entries the selection leaves out are null.
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
  const texts = windowFields(selection, span).map((field) => (Object.hasOwn(fields, field) ? (fields[field] as string) : null));
  return windowValuesOrdered(texts, spec, selection, span);
}
