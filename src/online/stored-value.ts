/**
 * The stored row value `<eventMicros>,<createdMicros>,<schemaId>;<payload>` (types.ts). The times come first, as
 * plain decimals, so the write script compares them without parsing the payload; the payload is the JSON array of
 * feature values in the API's form, so a read hands its elements out without decoding.
 */
import { createHash } from 'node:crypto';
import { CorruptOnlineValueError, InvalidFeatureValueError } from './errors.js';
import { encodeEntityKey } from './keys.js';
import { toMicros } from './timestamp.js';
import type { EncodedRow, ViewLayout } from './types.js';
import { encodeValue } from './value-codec.js';

export interface StoredValue {
  eventMicros: number;
  /** null when the row has no created timestamp. */
  createdMicros: number | null;
  schemaId: string;
  /** JSON array text, one element per feature of the schema `schemaId` names. */
  payload: string;
}

/**
 * Id of a feature list: first 8 hex digits of sha1(JSON.stringify(features)). Rows keep the id of the list they
 * were written under, so a view that gains or reorders features still reads old rows correctly.
 */
export function schemaIdOf(features: readonly string[]): string {
  return createHash('sha1').update(JSON.stringify(features)).digest('hex').slice(0, 8);
}

/** Epoch micros as a number: stored times are < 2^53 (year 287396), which the write script compares as doubles. */
function timeMicros(value: unknown, what: string): number {
  const micros = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : toMicros(value);
  if (micros === undefined || micros > BigInt(Number.MAX_SAFE_INTEGER) || micros < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidFeatureValueError(`${what} ${String(value)} is not a timestamp (Date, ISO string or epoch micros)`);
  }
  return Number(micros);
}

/**
 * Encodes one row in JS (tests, small writers); materialization builds the same EncodedRow in DuckDB SQL.
 * Times: Date, ISO string, `{ micros }`, or epoch micros as bigint or number. `values` follow layout.features.
 */
export function encodeRow(
  layout: ViewLayout,
  keyValues: readonly unknown[],
  eventTime: unknown,
  createdTime: unknown,
  values: readonly unknown[],
): EncodedRow {
  if (values.length !== layout.features.length) {
    throw new InvalidFeatureValueError(
      `view ${layout.view} has ${layout.features.length} features but the row has ${values.length} values`,
    );
  }
  const payload = values.map((v, i) => encodeValue(v, layout.dtypes[i], `${layout.view}.${layout.features[i]}`));
  return {
    key: encodeEntityKey(keyValues, layout.keyTypes, layout.joinKeys),
    eventMicros: timeMicros(eventTime, 'event time'),
    createdMicros: createdTime === null || createdTime === undefined ? null : timeMicros(createdTime, 'created time'),
    payload: JSON.stringify(payload),
  };
}

export function formatStoredValue(row: EncodedRow, schemaId: string): string {
  return `${row.eventMicros},${row.createdMicros ?? ''},${schemaId};${row.payload}`;
}

const HEADER_RE = /^(-?\d+),(-?\d*),([0-9a-f]+)$/;

/** Splits a stored value; throws CorruptOnlineValueError when it is not in our layout. */
export function parseStoredValue(text: string): StoredValue {
  const semi = text.indexOf(';');
  const header = semi < 0 ? undefined : HEADER_RE.exec(text.slice(0, semi));
  if (!header) throw new CorruptOnlineValueError(`stored value ${JSON.stringify(text.slice(0, 40))} is not <event>,<created>,<schema>;<payload>`);
  return {
    eventMicros: Number(header[1]),
    createdMicros: header[2] === '' ? null : Number(header[2]),
    schemaId: header[3] as string,
    payload: text.slice(semi + 1),
  };
}
