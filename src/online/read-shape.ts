/**
 * What a read's feature list alone decides: its distinct views, which view each feature comes from, the parts of
 * their Redis keys, and where each feature sits in each stored schema. The API asks with the same feature list
 * (its cached plan's array) request after request, so this is worked out once per list and kept beside it
 * (ReadShapes); per request only the entity values are left to encode. Worked out per request, it was ~5% of a
 * small read's CPU (a Map, key templates and `includes` per feature, a schema key string per feature and row).
 */
import { NotFoundError } from '../registry/errors.js';
import { CorruptOnlineValueError } from './errors.js';
import type { OnlineReadRequest, ViewLayout } from './types.js';

export interface ReadShape {
  /** Distinct views requested, in order of first use; view v's keys are keys[v * rows .. (v + 1) * rows). */
  layouts: ViewLayout[];
  /** Per requested feature, the index of its view in `layouts`. */
  featureView: number[];
  /**
   * Per view, the view whose encoded entity keys it reuses (the first one with the same join keys and key types;
   * itself when it is that first one).
   */
  keysFrom: number[];
  /** Per view, a row key is keyHead + encoded entity key + keyTail. */
  keyHead: string[];
  keyTail: string[];
  /** Per view, a schema key is schemaHead + schema id. */
  schemaHead: string[];
  /** Per view, per schema id seen: each requested feature's position in that schema (-1: not in it or other view). */
  positions: Array<Map<string, Int32Array>>;
}

/** Throws NotFoundError when a feature is not in the layout it is asked with. */
export function readShape(features: OnlineReadRequest['features'], prefix: string): ReadShape {
  const shape: ReadShape = { layouts: [], featureView: [], keysFrom: [], keyHead: [], keyTail: [], schemaHead: [], positions: [] };
  const viewIndex = new Map<string, number>();
  const signatures = new Map<string, number>();
  for (const { layout, feature } of features) {
    if (!layout.features.includes(feature)) {
      throw new NotFoundError(`feature view "${layout.view}" has no feature "${feature}"`);
    }
    const id = `${layout.project}:${layout.view}`;
    let index = viewIndex.get(id);
    if (index === undefined) {
      index = shape.layouts.push(layout) - 1;
      viewIndex.set(id, index);
      const signature = JSON.stringify([layout.joinKeys, layout.keyTypes]);
      const first = signatures.get(signature) ?? index;
      signatures.set(signature, first);
      shape.keysFrom.push(first);
      shape.keyHead.push(`${prefix}:${layout.project}:{`);
      shape.keyTail.push(`}:${layout.view}`);
      shape.schemaHead.push(`${prefix}:${layout.project}:__schema:${layout.view}:`);
      shape.positions.push(new Map());
    }
    shape.featureView.push(index);
  }
  return shape;
}

/**
 * Positions of the requested features of view `v` in the schema `schemaId` (see ReadShape.positions), from the
 * schema's feature names in `schemas` (schema key -> names) the first time that schema is seen.
 */
export function schemaPositions(
  shape: ReadShape,
  features: OnlineReadRequest['features'],
  v: number,
  schemaId: string,
  schemas: ReadonlyMap<string, readonly string[]>,
): Int32Array {
  const known = shape.positions[v] as Map<string, Int32Array>;
  let positions = known.get(schemaId);
  if (positions) return positions;
  const key = (shape.schemaHead[v] as string) + schemaId;
  const names = schemas.get(key);
  const layout = shape.layouts[v] as ViewLayout;
  if (!names) throw new CorruptOnlineValueError(`schema key ${key} is missing; rows of "${layout.view}" refer to it`);
  positions = new Int32Array(features.length).fill(-1);
  for (let f = 0; f < features.length; f++) {
    if (shape.featureView[f] === v) positions[f] = names.indexOf((features[f] as (typeof features)[number]).feature);
  }
  // Schema ids of a view are few (one per version of its feature list): the map stays small.
  known.set(schemaId, positions);
  return positions;
}

/** Schema keys the fetched rows refer to that neither `shape` nor `schemas` knows yet, deduplicated. */
export function unknownSchemaKeys(
  shape: ReadShape,
  rows: number,
  fetched: ReadonlyArray<{ stored: { schemaId: string } } | null>,
  schemas: ReadonlyMap<string, readonly string[]>,
): readonly string[] {
  let out: string[] | undefined;
  for (let i = 0; i < fetched.length; i++) {
    const hit = fetched[i];
    if (!hit) continue;
    const { schemaId } = hit.stored;
    const v = Math.floor(i / rows);
    if ((shape.positions[v] as Map<string, Int32Array>).has(schemaId)) continue;
    const key = (shape.schemaHead[v] as string) + schemaId;
    if (schemas.has(key)) continue;
    out ??= [];
    if (!out.includes(key)) out.push(key);
  }
  return out ?? NONE;
}

/** What unknownSchemaKeys returns on nearly every read, without a new array each time. */
const NONE: readonly string[] = Object.freeze([]);
