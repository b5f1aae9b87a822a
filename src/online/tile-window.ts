/**
 * A stream view's feature values at a request time from one entity's tile hash (pure; serving calls it per entity).
 * Window W at time T merges the tiles from firstWindowTile(T, W, s) through the tile holding T (later tiles hold
 * events after T, e.g. from clocks running ahead, and are left out), then finalizes like SQL. This is the range
 * stream-training.ts computes from the batch source, so training equals serving.
 */
import { firstWindowTile, tileOf } from '../registry/stream-tiles.js';
import {
  finalizeTileState,
  mergeTileStates,
  parseTileState,
  splitTileStates,
  type FeatureValue,
  type TileKind,
  type TileState,
} from './tile-codec.js';

export interface WindowSpec {
  /** The function of each feature, in view.aggregation.features order (the order of a tile field's states). */
  kinds: readonly TileKind[];
  windowMicros: readonly number[];
  tileMicros: number;
}

const FIELD_RE = /^-?\d+$/;

/** values[feature][window] for the entity whose tile hash is `fields`, at `atMicros`. */
export function windowValues(fields: Readonly<Record<string, string>>, spec: WindowSpec, atMicros: number): FeatureValue[][] {
  const last = tileOf(atMicros, spec.tileMicros);
  const firsts = spec.windowMicros.map((w) => firstWindowTile(atMicros, w, spec.tileMicros));
  const earliest = Math.min(...firsts);
  const merged: Array<Array<TileState | undefined>> = spec.kinds.map(() => spec.windowMicros.map(() => undefined));
  // count_distinct over a window is the size of the union, uncapped (the cap is per tile).
  const distinct: Array<Array<Set<string> | undefined>> = spec.kinds.map(() => spec.windowMicros.map(() => undefined));
  for (const [field, text] of Object.entries(fields)) {
    if (!FIELD_RE.test(field)) continue;
    const tile = Number(field);
    // Tiles outside every window are ignored.
    if (tile > last || tile < earliest) continue;
    const states = splitTileStates(text, spec.kinds.length);
    for (let f = 0; f < states.length; f++) {
      const stateText = states[f] as string;
      if (stateText === '') continue;
      const state = parseTileState(spec.kinds[f] as TileKind, stateText);
      firsts.forEach((first, j) => {
        if (tile < first) return;
        const row = merged[f] as Array<TileState | undefined>;
        if (state.kind === 'count_distinct') {
          const sets = distinct[f] as Array<Set<string> | undefined>;
          const set = sets[j] ?? new Set<string>();
          for (const v of state.values) set.add(v);
          sets[j] = set;
          return;
        }
        const current = row[j];
        row[j] = current === undefined ? state : mergeTileStates(current, state);
      });
    }
  }
  return spec.kinds.map((kind, f) =>
    spec.windowMicros.map((_, j) => {
      if (kind === 'count_distinct') return distinct[f]?.[j]?.size ?? 0;
      return finalizeTileState(kind, merged[f]?.[j]);
    }),
  );
}
