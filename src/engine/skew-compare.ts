/**
 * Comparing one served value (the JSON form the API answered: int64 beyond 2^53 and special floats as strings,
 * timestamps as ISO text, bytes as base64) with the value recomputed offline (DuckDB's JS form: bigint, number,
 * Date, Uint8Array, arrays). Numbers match within a relative tolerance: the online store keeps float32 as its
 * shortest decimal and JSON round-trips doubles, so bit equality would report skew that is not there.
 */

/** Default relative tolerance for numbers: far above float32 rounding (~6e-8), far below any real difference. */
export const DEFAULT_SKEW_TOLERANCE = 1e-6;

export function isMissing(value: unknown): boolean {
  return value === null || value === undefined;
}

/** The value as a number when it is one (a number, a bigint, or a numeric string standing for one), else undefined. */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isNaN(n) && value !== 'NaN' ? undefined : n;
  }
  return undefined;
}

/** a and b are equal, or differ by at most `tolerance` relative to the larger; NaN equals NaN. */
export function numbersMatch(a: number, b: number, tolerance: number): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Symmetric absolute percentage error of one pair, as a fraction from 0 (equal) to 2 (opposite signs, or one side
 * 0): |a - b| / ((|a| + |b|) / 2), 0 when both are 0. Undefined for non-finite numbers (no meaningful distance).
 */
export function smapeTerm(served: number, offline: number): number | undefined {
  if (!Number.isFinite(served) || !Number.isFinite(offline)) return undefined;
  const scale = Math.abs(served) + Math.abs(offline);
  return scale === 0 ? 0 : (2 * Math.abs(served - offline)) / scale;
}

/** Whether the served value and the offline one are the same feature value (both missing counts as the same). */
export function valuesMatch(served: unknown, offline: unknown, tolerance: number = DEFAULT_SKEW_TOLERANCE): boolean {
  if (isMissing(served) || isMissing(offline)) return isMissing(served) && isMissing(offline);
  if (Array.isArray(served) && Array.isArray(offline)) {
    return served.length === offline.length && served.every((v, i) => valuesMatch(v, offline[i], tolerance));
  }
  if (offline instanceof Date) {
    return typeof served === 'string' && Date.parse(served) === offline.getTime();
  }
  if (offline instanceof Uint8Array) {
    return typeof served === 'string' && Buffer.from(offline).toString('base64') === served;
  }
  if (typeof offline === 'number' || typeof offline === 'bigint') {
    const a = numericValue(served);
    // int64 beyond 2^53 is served as its digits: compare those exactly rather than through a rounded double.
    if (typeof offline === 'bigint' && typeof served === 'string') return served === offline.toString();
    return a !== undefined && numbersMatch(a, Number(offline), tolerance);
  }
  return served === offline;
}
