/**
 * Feature values <-> their JSON form, the one the HTTP API returns and the stored payload holds, so a read passes
 * payload elements straight through without decoding (decoding dominates Feast's and Chronon's read time).
 *
 * JSON form per dtype: int32 number; int64 number when |v| <= 2^53-1, else a decimal string; float32/float64 number,
 * or "NaN" / "Infinity" / "-Infinity" (float32 as the shortest decimal that reads back as the same float32); string;
 * bool; timestamp "2024-05-01T10:00:00.000000Z" (UTC, always six fractional digits); bytes base64; lists element-wise
 * with null elements kept; null stays null.
 *
 * Decoded (typed) form: int64 -> bigint, int32/float -> number (float32 Math.fround'ed), timestamp -> { micros }
 * (not Date: a Date would drop the microseconds), bytes -> Uint8Array.
 */
import { elementDtype, isListDtype, specialFloat, type Dtype, type ScalarDtype } from '../registry/dtypes.js';
import { InvalidFeatureValueError } from './errors.js';
import { shortestFloat32, toInteger } from './numeric.js';
import { formatMicros, parseIsoMicros, toMicros, type TimestampMicros } from './timestamp.js';
import type { JsonValue } from './types.js';

export type DecodedValue = null | boolean | number | bigint | string | Uint8Array | TimestampMicros | DecodedValue[];


function bad(value: unknown, dtype: string, where: string): InvalidFeatureValueError {
  let shown: string;
  try {
    shown = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = typeof value;
  }
  return new InvalidFeatureValueError(`${where ? `${where}: ` : ''}${shown.slice(0, 60)} is not a valid ${dtype}`);
}

function encodeFloat(value: number): JsonValue {
  return Number.isFinite(value) ? value : String(value);
}

function encodeInt64(n: bigint): JsonValue {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function toBytes(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function encodeScalar(value: unknown, dtype: ScalarDtype, where: string): JsonValue {
  switch (dtype) {
    case 'int32':
    case 'int64': {
      // The common case, a JS number that is already a safe integer in range, needs no BigInt round trip.
      if (typeof value === 'number' && Number.isSafeInteger(value) && (dtype === 'int64' || (value >= INT32_MIN && value <= INT32_MAX))) {
        return value === 0 ? 0 : value; // -0 -> 0
      }
      const n = toInteger(value, dtype);
      if (n === undefined) throw bad(value, dtype, where);
      return dtype === 'int32' ? Number(n) : encodeInt64(n);
    }
    case 'float32':
    case 'float64':
      if (typeof value !== 'number') throw bad(value, dtype, where);
      return encodeFloat(dtype === 'float32' ? shortestFloat32(value) : value);
    case 'string':
      if (typeof value !== 'string') throw bad(value, dtype, where);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw bad(value, dtype, where);
      return value;
    case 'timestamp': {
      const micros = toMicros(value);
      if (micros === undefined) throw bad(value, dtype, where);
      try {
        return formatMicros(micros);
      } catch {
        throw bad(value, dtype, where);
      }
    }
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw bad(value, dtype, where);
      return toBytes(value).toString('base64');
  }
}

/** Without a dtype (aggregation columns DuckDB types at compute time) the JS type decides. */
function encodeInferred(value: unknown, where: string): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return encodeFloat(value);
  if (typeof value === 'bigint') return encodeInt64(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return toBytes(value).toString('base64');
  if (Array.isArray(value)) return value.map((v, i) => encodeInferred(v, `${where}[${i}]`));
  if (toMicros(value) !== undefined) return encodeScalar(value, 'timestamp', where);
  throw bad(value, 'feature value', where);
}

/** A typed JS value -> its JSON form. `where` (e.g. `user_stats.clicks`) only goes into error messages. */
export function encodeValue(value: unknown, dtype: Dtype | undefined, where = ''): JsonValue {
  if (value === null || value === undefined) return null;
  if (dtype === undefined) return encodeInferred(value, where);
  if (!isListDtype(dtype)) return encodeScalar(value, dtype, where);
  if (!Array.isArray(value)) throw bad(value, dtype, where);
  const element = elementDtype(dtype);
  return value.map((v: unknown, i) => (v === null || v === undefined ? null : encodeScalar(v, element, `${where}[${i}]`)));
}

function decodeFloat(json: JsonValue): number | undefined {
  if (typeof json === 'number') return json;
  return typeof json === 'string' ? specialFloat(json) : undefined;
}

function decodeScalar(json: JsonValue, dtype: ScalarDtype, where: string): DecodedValue {
  let out: DecodedValue | undefined;
  switch (dtype) {
    case 'int32':
      out = typeof json === 'number' && Number.isInteger(json) ? json : undefined;
      break;
    case 'int64': {
      const n = toInteger(json, 'int64');
      out = n ?? undefined;
      break;
    }
    case 'float32': {
      const f = decodeFloat(json);
      out = f === undefined ? undefined : Math.fround(f);
      break;
    }
    case 'float64':
      out = decodeFloat(json);
      break;
    case 'string':
      out = typeof json === 'string' ? json : undefined;
      break;
    case 'bool':
      out = typeof json === 'boolean' ? json : undefined;
      break;
    case 'timestamp': {
      const micros = typeof json === 'string' ? parseIsoMicros(json) : undefined;
      out = micros === undefined ? undefined : { micros };
      break;
    }
    case 'bytes':
      out = typeof json === 'string' ? new Uint8Array(Buffer.from(json, 'base64')) : undefined;
      break;
  }
  if (out === undefined) throw bad(json, dtype, where);
  return out;
}

/** The JSON form -> a typed JS value (see the module comment). Without a dtype the JSON value is returned as is. */
export function decodeValue(json: JsonValue, dtype: Dtype | undefined, where = ''): DecodedValue {
  if (json === null || dtype === undefined) return json;
  if (!isListDtype(dtype)) return decodeScalar(json, dtype, where);
  if (!Array.isArray(json)) throw bad(json, dtype, where);
  const element = elementDtype(dtype);
  return json.map((v, i) => (v === null ? null : decodeScalar(v, element, `${where}[${i}]`)));
}
