/**
 * The pure halves of a read: which keys to fetch for many entities x many views (planRead), and how stored values
 * become one column per requested feature (assembleColumns). The store does the single round trip in between.
 */
import { NotFoundError } from '../registry/errors.js';
import { CorruptOnlineValueError, InvalidEntityKeyError } from './errors.js';
import { encodeEntityKey, rowKey, schemaKey } from './keys.js';
import { parseStoredValue, type StoredValue } from './stored-value.js';
import type { FeatureColumn, FeatureStatus, JsonValue, OnlineReadRequest, ViewLayout } from './types.js';

export interface ReadPlan {
  rows: number;
  /** Distinct views requested; view i's keys are keys[i * rows .. (i + 1) * rows). */
  layouts: ViewLayout[];
  keys: string[];
  /** Per requested feature, the index of its view in `layouts`. */
  featureView: number[];
}

function entityColumns(entities: OnlineReadRequest['entities']): number {
  let rows: number | undefined;
  let first = '';
  for (const [name, values] of Object.entries(entities)) {
    if (!Array.isArray(values)) throw new InvalidEntityKeyError(`entities.${name}: must be an array of values`);
    if (rows === undefined) [rows, first] = [values.length, name];
    else if (values.length !== rows) {
      throw new InvalidEntityKeyError(`entities.${name} has ${values.length} values but entities.${first} has ${rows}`);
    }
  }
  return rows ?? 0;
}

export function planRead(request: OnlineReadRequest, prefix: string): ReadPlan {
  const rows = entityColumns(request.entities);
  const layouts: ViewLayout[] = [];
  const viewIndex = new Map<string, number>();
  const featureView = request.features.map(({ layout, feature }) => {
    if (!layout.features.includes(feature)) {
      throw new NotFoundError(`feature view "${layout.view}" has no feature "${feature}"`);
    }
    const id = `${layout.project}:${layout.view}`;
    let index = viewIndex.get(id);
    if (index === undefined) {
      index = layouts.push(layout) - 1;
      viewIndex.set(id, index);
    }
    return index;
  });
  // Views keyed by the same join keys share the encoded entity keys; encode each row once per key signature.
  const encoded = new Map<string, string[]>();
  const keys: string[] = [];
  for (const layout of layouts) {
    const signature = JSON.stringify([layout.joinKeys, layout.keyTypes]);
    let entityKeys = encoded.get(signature);
    if (!entityKeys) {
      const columns = layout.joinKeys.map((name) => {
        const column = request.entities[name];
        if (!column) throw new InvalidEntityKeyError(`entities.${name}: missing; feature view "${layout.view}" is keyed by ${layout.joinKeys.join(', ')}`);
        return column;
      });
      entityKeys = [];
      for (let row = 0; row < rows; row++) {
        entityKeys.push(encodeEntityKey(columns.map((c) => c[row]), layout.keyTypes, layout.joinKeys, row));
      }
      encoded.set(signature, entityKeys);
    }
    for (const entityKey of entityKeys) keys.push(rowKey(prefix, layout.project, layout.view, entityKey));
  }
  return { rows, layouts, keys, featureView };
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

/** Schema keys a plan's fetched rows refer to, deduplicated. */
export function schemaKeysOf(plan: ReadPlan, fetched: readonly (FetchedRow | null)[], prefix: string): string[] {
  const out = new Set<string>();
  fetched.forEach((row, i) => {
    if (!row) return;
    const layout = plan.layouts[Math.floor(i / plan.rows)] as ViewLayout;
    out.add(schemaKey(prefix, layout.project, layout.view, row.stored.schemaId));
  });
  return [...out];
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
  prefix: string,
  nowMs: number,
): FeatureColumn[] {
  const nowMicros = nowMs * 1000;
  return request.features.map(({ layout: asked, feature }, f) => {
    const v = plan.featureView[f] as number;
    const layout = plan.layouts[v] as ViewLayout;
    // The TTL of the layout this feature was asked with, should two requests of one view disagree.
    const maxAgeMicros = asked.ttlSeconds * 1_000_000;
    // Position of this feature in each schema seen: rows of one view mostly share one schema.
    const positions = new Map<string, number>();
    const column: FeatureColumn = { values: [], statuses: [], eventMicros: [] };
    for (let row = 0; row < plan.rows; row++) {
      const hit = fetched[v * plan.rows + row];
      let status: FeatureStatus = 'NOT_FOUND';
      let value: JsonValue = null;
      if (hit) {
        const { schemaId, eventMicros } = hit.stored;
        let pos = positions.get(schemaId);
        if (pos === undefined) {
          const key = schemaKey(prefix, layout.project, layout.view, schemaId);
          const names = schemas.get(key);
          if (!names) throw new CorruptOnlineValueError(`schema key ${key} is missing; rows of "${layout.view}" refer to it`);
          pos = names.indexOf(feature);
          positions.set(schemaId, pos);
        }
        if (pos >= 0) {
          value = hit.values[pos] ?? null;
          if (value === null) status = 'NULL_VALUE';
          else status = maxAgeMicros > 0 && nowMicros - eventMicros > maxAgeMicros ? 'OUTSIDE_MAX_AGE' : 'PRESENT';
        }
        column.eventMicros.push(status === 'NOT_FOUND' ? 0 : eventMicros);
      } else {
        column.eventMicros.push(0);
      }
      column.values.push(value);
      column.statuses.push(status);
    }
    return column;
  });
}
