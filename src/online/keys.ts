/**
 * The one module that builds Redis key names and entity keys (layout documented in types.ts). Materialization in
 * DuckDB SQL must produce the same entity-key bytes as encodeEntityKey(), or reads miss what was written.
 */
import calculateSlot from 'cluster-key-slot';
import { elementDtype, isListDtype, type Dtype } from '../registry/dtypes.js';
import { InvalidEntityKeyError, InvalidOnlineStoreConfigError } from './errors.js';
import { shortestFloat32, toInteger } from './numeric.js';
import { toMicros } from './timestamp.js';

export function rowKey(prefix: string, project: string, view: string, entityKey: string): string {
  return `${prefix}:${project}:{${entityKey}}:${view}`;
}

export function schemaKey(prefix: string, project: string, view: string, schemaId: string): string {
  return `${prefix}:${project}:__schema:${view}:${schemaId}`;
}

export function watermarksKey(prefix: string, project: string): string {
  return `${prefix}:${project}:__materialized`;
}

export function freshnessKey(prefix: string, project: string): string {
  return `${prefix}:${project}:__freshness`;
}

export function alertsKey(prefix: string, project: string): string {
  return `${prefix}:${project}:__alerts`;
}

export function driftKey(prefix: string, project: string): string {
  return `${prefix}:${project}:__drift`;
}

export function driftAlertsKey(prefix: string, project: string): string {
  return `${prefix}:${project}:__drift_alerts`;
}

/** SCAN MATCH pattern of every key of one project (rows, schemas, watermarks, freshness, alerts, drift). */
export function projectKeysPattern(prefix: string, project: string): string {
  const glob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
  return `${glob(prefix)}:${glob(project)}:*`;
}

/**
 * A prefix with a brace would move the hash tag off the entity key (Redis hashes the first `{...}`), and a comma
 * or brace in it would make keys ambiguous for tools that parse them, so refuse it up front.
 */
export function checkKeyPrefix(prefix: string): void {
  if (!prefix || /[{}\s]/.test(prefix)) {
    throw new InvalidOnlineStoreConfigError(`online store key prefix ${JSON.stringify(prefix)} must be non-empty, without braces or spaces`);
  }
}

/**
 * EncodedRow.key is the entity key alone (`i42,sabc`); the store adds prefix, project and view. Entity keys never
 * hold braces, so a full Redis key passed by mistake is caught here instead of being nested inside another key.
 */
export function checkEntityKeys(rows: ReadonlyArray<{ key: string }>): void {
  for (const row of rows) {
    if (row.key.includes('{') || row.key.includes('}') || row.key === '') {
      throw new InvalidEntityKeyError(
        `EncodedRow.key must be an encoded entity key such as "i42" (the store builds the Redis key), got ${JSON.stringify(row.key.slice(0, 80))}`,
      );
    }
  }
}

/** Cluster slot of a key (CRC16 of its hash tag, like Redis itself). */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

const PLAIN_RE = /^[A-Za-z0-9_.-]*$/;

function encodeString(text: string): string {
  return PLAIN_RE.test(text) ? `s${text}` : `h${Buffer.from(text, 'utf8').toString('hex')}`;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function encodeFloat(value: number, dtype: 'float32' | 'float64'): string {
  return `f${String(dtype === 'float32' ? shortestFloat32(value) : value)}`;
}

/** One key value under a declared type; undefined when it does not fit. */
function encodeDeclared(value: unknown, dtype: Dtype): string | undefined {
  if (isListDtype(dtype)) return undefined;
  switch (elementDtype(dtype)) {
    case 'int32':
    case 'int64': {
      const n = toInteger(value, dtype as 'int32' | 'int64');
      return n === undefined ? undefined : `i${n}`;
    }
    case 'float32':
    case 'float64':
      return typeof value === 'number' && Number.isFinite(value) ? encodeFloat(value, dtype as 'float32' | 'float64') : undefined;
    case 'string':
      return typeof value === 'string' ? encodeString(value) : undefined;
    case 'bool':
      return typeof value === 'boolean' ? `b${value ? 1 : 0}` : undefined;
    case 'timestamp': {
      const micros = toMicros(value);
      return micros === undefined ? undefined : `t${micros}`;
    }
    case 'bytes':
      if (value instanceof Uint8Array) return `x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
      // Over JSON, bytes arrive base64 (the form the API returns them in).
      if (typeof value === 'string' && BASE64_RE.test(value)) return `x${Buffer.from(value, 'base64').toString('hex')}`;
      return undefined;
  }
}

/** One key value without a declared type: the JS type decides. */
function encodeInferred(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return `i${value}`;
    // An integer beyond 2^53 was rounded on its way in; refusing beats reading another entity's row.
    return Number.isFinite(value) && !Number.isInteger(value) ? encodeFloat(value, 'float64') : undefined;
  }
  if (typeof value === 'bigint') return `i${value}`;
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'boolean') return `b${value ? 1 : 0}`;
  if (value instanceof Date) return encodeDeclared(value, 'timestamp');
  if (value instanceof Uint8Array) return encodeDeclared(value, 'bytes');
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (value instanceof Uint8Array) return `bytes(${value.length})`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function problem(value: unknown, dtype: Dtype | undefined): string {
  if (value === null || value === undefined) return 'is missing (an entity key cannot be null)';
  if (dtype && isListDtype(dtype)) return `cannot be a key: lists (${dtype}) are not join-key types`;
  if (!dtype && typeof value === 'number' && Number.isInteger(value)) {
    return `${describe(value)} is beyond 2^53 and was rounded; send it as a decimal string and declare the entity's valueType`;
  }
  if ((dtype === 'int64' || dtype === 'int32') && typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `${describe(value)} is beyond 2^53 and was rounded; send it as a decimal string`;
  }
  const article = dtype && /^int/.test(dtype) ? 'an' : 'a';
  return dtype ? `${describe(value)} is not ${article} ${dtype}` : `${describe(value)} cannot be an entity key`;
}

/**
 * Encodes one entity's join-key values (in the view's join-key order) as the `{...}` part of a row key. `row` only
 * goes into error messages: `entities.user_id[1]: "abc" is not an int64`.
 */
export function encodeEntityKey(
  values: readonly unknown[],
  types: readonly (Dtype | undefined)[],
  fieldNames: readonly string[],
  row?: number,
): string {
  if (values.length !== fieldNames.length) {
    throw new InvalidEntityKeyError(`entity key has ${values.length} values for ${fieldNames.length} join keys (${fieldNames.join(', ')})`);
  }
  if (values.length === 1) {
    // One join key (most views): no list to build and join, once per row of a stream batch.
    const value = values[0];
    const dtype = types[0];
    const part = value === null || value === undefined ? undefined : dtype ? encodeDeclared(value, dtype) : encodeInferred(value);
    if (part !== undefined) return part;
  }
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const dtype = types[i];
    const part = value === null || value === undefined ? undefined : dtype ? encodeDeclared(value, dtype) : encodeInferred(value);
    if (part === undefined) {
      const where = row === undefined ? `entities.${fieldNames[i]}` : `entities.${fieldNames[i]}[${row}]`;
      throw new InvalidEntityKeyError(`${where}: ${problem(value, dtype)}`);
    }
    parts.push(part);
  }
  return parts.join(',');
}

/**
 * A stream view's tiles of one entity (a hash, field `${tile}` holding every feature's state, see tile-codec.ts). Every key of
 * one view shares the hash tag `{st:<view>}`, so the batch script that writes them all runs in one cluster slot.
 */
export function streamTilesKey(prefix: string, project: string, view: string, entityKey: string): string {
  return `${prefix}:${project}:{st:${view}}:${entityKey}`;
}

/** A stream view's ingestion state (a hash of StreamState fields), in the slot of its tiles. */
export function streamStateKey(prefix: string, project: string, view: string): string {
  return `${prefix}:${project}:{st:${view}}:__state`;
}
