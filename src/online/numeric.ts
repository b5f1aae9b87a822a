/**
 * Integer and float coercions shared by the key and value codecs, so an id reads the same whether it arrives as a
 * JSON number, a decimal string (Feast coerces those) or a bigint from DuckDB.
 */
export type IntDtype = 'int32' | 'int64';

const RANGES: Record<IntDtype, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

const DECIMAL_RE = /^-?\d+$/;

/**
 * The integer a value stands for, or undefined when it is not one that fits `dtype`. Numbers must be safe
 * integers: 12345678901234567890 parsed from JSON is already rounded, and a rounded id is another entity.
 */
export function toInteger(value: unknown, dtype: IntDtype): bigint | undefined {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    n = BigInt(value);
  } else if (typeof value === 'bigint') {
    n = value;
  } else if (typeof value === 'string' && DECIMAL_RE.test(value)) {
    n = BigInt(value);
  } else {
    return undefined;
  }
  const [min, max] = RANGES[dtype];
  return n >= min && n <= max ? n : undefined;
}

/**
 * The shortest decimal that reads back as the same float32. A float32 widened to a double prints as
 * 0.10000000149011612; DuckDB prints FLOAT 0.1 as 0.1, and so do we.
 */
export function shortestFloat32(value: number): number {
  const f = Math.fround(value);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return Number(f.toPrecision(9));
}
