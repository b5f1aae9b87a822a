/**
 * One pushed value -> its typed form, checked against a dtype. Pushed frames come from Feast's SDK (a remote online
 * store posts `_proto_value_to_transport_value` values: timestamps as epoch seconds, lists as lists, bytes as
 * base64 text) or from people, so both that transport form and this API's own JSON form (values.ts of the online
 * store: int64 beyond 2^53 as decimal strings, "NaN"/"Infinity" floats, ISO timestamps) are accepted.
 *
 * Typed form, as the online store's encoder and the offline appender take it: int32/float as number (float32 not
 * rounded yet: both writers do that), int64 as number when safe else bigint, timestamps as `{ micros }`, bytes as Uint8Array, lists as
 * arrays (null elements kept).
 */
import { elementDtype, isListDtype, specialFloat, type Dtype, type ScalarDtype } from '../registry/dtypes.js';
import { toInteger } from '../online/numeric.js';
import { parseIsoMicros, type TimestampMicros } from '../online/timestamp.js';

export type TypedValue = null | boolean | number | bigint | string | Uint8Array | TimestampMicros | TypedValue[];

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Date's range in microseconds, so every accepted instant can be formatted back.
const MAX_MICROS = 8.64e18;

/**
 * Epoch microseconds of an instant given as ISO-8601 text (naive means UTC, as Feast sends it; `Z` or an offset
 * is honoured) or as a number of epoch seconds (fractions kept to the microsecond); undefined when it is neither.
 */
export function parseInstant(value: unknown): bigint | undefined {
  let micros: bigint | undefined;
  if (typeof value === 'string') micros = parseIsoMicros(value);
  // Range first: seconds beyond ~1.8e302 overflow to Infinity once scaled, which BigInt() throws on (a 500).
  else if (typeof value === 'number' && Math.abs(value) <= MAX_MICROS / 1e6) micros = BigInt(Math.round(value * 1e6));
  if (micros === undefined || micros > BigInt(MAX_MICROS) || micros < -BigInt(MAX_MICROS)) return undefined;
  return micros;
}

function parseScalar(value: unknown, dtype: ScalarDtype): TypedValue | undefined {
  switch (dtype) {
    case 'int32': {
      const n = toInteger(value, 'int32');
      return n === undefined ? undefined : Number(n);
    }
    case 'int64':
      // A safe integer stays a number (both writers take one); only larger ones need a bigint.
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
      return toInteger(value, 'int64');
    case 'float32':
    case 'float64': {
      // float32 stays as sent: the online encoder and DuckDB's FLOAT column both round it to a float32.
      return typeof value === 'number' ? value : typeof value === 'string' ? specialFloat(value) : undefined;
    }
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'timestamp': {
      const micros = parseInstant(value);
      return micros === undefined ? undefined : { micros };
    }
    case 'bytes':
      return typeof value === 'string' && BASE64_RE.test(value) ? new Uint8Array(Buffer.from(value, 'base64')) : undefined;
  }
}

/**
 * The typed value of `value` for `dtype`, or undefined when it does not fit. null is null (a missing value); a
 * dtype of undefined (aggregation columns typed at compute time) takes any JSON scalar or list as it is.
 */
export function parseTypedValue(value: unknown, dtype: Dtype | undefined): TypedValue | undefined {
  if (value === null) return null;
  if (dtype === undefined) return isJsonValue(value) ? (value as TypedValue) : undefined;
  if (!isListDtype(dtype)) return parseScalar(value, dtype);
  if (!Array.isArray(value)) return undefined;
  const element = elementDtype(dtype);
  const out: TypedValue[] = [];
  for (const item of value) {
    const typed = item === null ? null : parseScalar(item, element);
    if (typed === undefined) return undefined;
    out.push(typed);
  }
  return out;
}

function isJsonValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.every((v) => v === null || isJsonValue(v));
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

/** `"abc"`, `12`, `a list`, for error messages; long values are cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
