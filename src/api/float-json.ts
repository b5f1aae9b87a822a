/**
 * JSON for float feature columns with whole numbers written `3.0`, not `3`. JSON does not tell the two apart, but
 * Feast's Python client infers each value's type from how Python parses it: `3` becomes an int, so a float64 of
 * 3.0 reaches its users as an int, and a float list such as [0.5, 3.0] fails its whole request ("List value type
 * ... is inconsistent"). Feast's own server writes Python floats, which always carry a fraction or an exponent.
 */
import type { JsonValue } from '../online/types.js';

// Beyond this JS prints whole numbers with an exponent (1e+21), which Python reads as a float already.
const PLAIN_LIMIT = 1e21;

function hasWholeNumber(values: readonly JsonValue[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return true;
    } else if (Array.isArray(v) && hasWholeNumber(v)) {
      return true;
    }
  }
  return false;
}

function floatJson(v: JsonValue): string {
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return '-0.0';
    return Number.isInteger(v) && Math.abs(v) < PLAIN_LIMIT ? `${v}.0` : JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(floatJson).join(',')}]`;
  return JSON.stringify(v);
}

/**
 * A float (or float list) column's values as a JSON array, whole numbers with `.0`; the same text as
 * JSON.stringify otherwise, which is also the fast path for columns without a whole number.
 */
export function floatColumnJson(values: readonly JsonValue[]): string {
  if (!hasWholeNumber(values)) return JSON.stringify(values);
  return `[${values.map(floatJson).join(',')}]`;
}
