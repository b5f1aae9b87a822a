/**
 * The pure halves of a read: which keys to fetch for many entities x many views (planRead), and how stored values
 * become one column per requested feature (assembleColumns). The store does the single round trip in between.
 * What depends on the feature list alone comes from its ReadShape (read-shape.ts), worked out once per list.
 */
import { CorruptOnlineValueError, InvalidEntityKeyError } from './errors.js';
import { encodeEntityKey } from './keys.js';
import { schemaPositions, type ReadShape } from './read-shape.js';
import { parseStoredValue, type StoredValue } from './stored-value.js';
import type { FeatureColumn, FeatureStatus, JsonValue, OnlineReadRequest, ViewLayout } from './types.js';

export interface ReadPlan {
  rows: number;
  shape: ReadShape;
  /** View v's keys are keys[v * rows .. (v + 1) * rows) (views in shape.layouts order). */
  keys: string[];
}

/** Rows of the request's entity columns; refuses a column that is not a list, or of another length. */
export function entityRows(entities: OnlineReadRequest['entities']): number {
  let rows: number | undefined;
  let first = '';
  for (const name in entities) {
    const values = entities[name];
    if (!Array.isArray(values)) throw new InvalidEntityKeyError(`entities.${name}: must be an array of values`);
    if (rows === undefined) [rows, first] = [values.length, name];
    else if (values.length !== rows) {
      throw new InvalidEntityKeyError(`entities.${name} has ${values.length} values but entities.${first} has ${rows}`);
    }
  }
  return rows ?? 0;
}

/** The keys to fetch: per view, one per row; views keyed alike share their encoded entity keys. */
export function planRead(request: OnlineReadRequest, shape: ReadShape, rows: number): ReadPlan {
  const { layouts, keysFrom, keyHead, keyTail } = shape;
  const encoded: Array<string[] | undefined> = [];
  const keys: string[] = [];
  for (let v = 0; v < layouts.length; v++) {
    const from = keysFrom[v] as number;
    let entityKeys = encoded[from];
    if (!entityKeys) {
      const layout = layouts[from] as ViewLayout;
      entityKeys = encodeEntityRows(request.entities, layout, rows);
      encoded[from] = entityKeys;
    }
    const head = keyHead[v] as string;
    const tail = keyTail[v] as string;
    for (let row = 0; row < rows; row++) keys.push(head + (entityKeys[row] as string) + tail);
  }
  return { rows, shape, keys };
}

/** The encoded entity key of each row for `layout`'s join keys (also the stream tiles' entity keys). */
export function encodeEntityRows(entities: OnlineReadRequest['entities'], layout: ViewLayout, rows: number): string[] {
  const { joinKeys, keyTypes } = layout;
  const columns = joinKeys.map((name) => {
    const column = entities[name];
    if (!column) throw new InvalidEntityKeyError(`entities.${name}: missing; feature view "${layout.view}" is keyed by ${joinKeys.join(', ')}`);
    return column;
  });
  const out: string[] = [];
  const values: unknown[] = new Array<unknown>(columns.length);
  for (let row = 0; row < rows; row++) {
    for (let k = 0; k < columns.length; k++) values[k] = (columns[k] as readonly unknown[])[row];
    out.push(encodeEntityKey(values, keyTypes, joinKeys, row));
  }
  return out;
}

/** A fetched key: its parsed header and its payload array, parsed once however many features read it. */
export interface FetchedRow {
  stored: StoredValue;
  values: JsonValue[];
}

export function parseFetched(key: string, text: string): FetchedRow {
  const stored = parseStoredValue(text);
  let values: unknown;
  try {
    values = JSON.parse(stored.payload);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values)) throw new CorruptOnlineValueError(`online value of ${key} has a payload that is not a JSON array`);
  return { stored, values: values as JsonValue[] };
}

/**
 * One column per requested feature. Statuses: NOT_FOUND (no key, or the row was written under a feature list
 * without this feature), NULL_VALUE (a null is stored; its age is not checked), OUTSIDE_MAX_AGE (ttl > 0 and
 * now - event > ttl; the value is still returned), else PRESENT. `schemas` maps schema keys to feature names.
 */
export function assembleColumns(
  plan: ReadPlan,
  request: OnlineReadRequest,
  fetched: readonly (FetchedRow | null)[],
  schemas: ReadonlyMap<string, readonly string[]>,
  nowMs: number,
): FeatureColumn[] {
  const nowMicros = nowMs * 1000;
  const { rows, shape } = plan;
  const { features } = request;
  const out = new Array<FeatureColumn>(features.length);
  for (let f = 0; f < features.length; f++) {
    const v = shape.featureView[f] as number;
    // The TTL of the layout this feature was asked with, should two requests of one view disagree.
    const maxAgeMicros = (features[f] as (typeof features)[number]).layout.ttlSeconds * 1_000_000;
    // Sized up front: an empty array grows to room for 17 values on its first push, and ten features x three such
    // arrays were most of what a small read allocated (GC pauses are a large part of its latency tail).
    const values = new Array<JsonValue>(rows);
    const statuses = new Array<FeatureStatus>(rows);
    const eventMicros = new Array<number>(rows);
    for (let row = 0; row < rows; row++) {
      const hit = fetched[v * rows + row];
      let status: FeatureStatus = 'NOT_FOUND';
      let value: JsonValue = null;
      let micros = 0;
      if (hit) {
        const { schemaId } = hit.stored;
        const pos = schemaPositions(shape, features, v, schemaId, schemas)[f] as number;
        if (pos >= 0) {
          value = hit.values[pos] ?? null;
          if (value === null) status = 'NULL_VALUE';
          else status = maxAgeMicros > 0 && nowMicros - hit.stored.eventMicros > maxAgeMicros ? 'OUTSIDE_MAX_AGE' : 'PRESENT';
          micros = hit.stored.eventMicros;
        }
      }
      values[row] = value;
      statuses[row] = status;
      eventMicros[row] = micros;
    }
    out[f] = { values, statuses, eventMicros };
  }
  return out;
}
