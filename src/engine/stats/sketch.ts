/**
 * The DDSketch-style NumericSketch of types.ts: buckets are filled by DuckDB (sketchSql, one GROUP BY over the
 * rows), never value by value in JS; here they are merged, capped and read back as quantiles, a CDF or a histogram.
 *
 * Accuracy: gamma = (1 + a) / (1 - a) with a = 0.5%, so the value a bucket stands for is within 0.5% of every value
 * in it. Size: each side keeps at most MAX_BUCKETS_PER_SIDE buckets; beyond that the lowest indices (the smallest
 * magnitudes, least visible in relative terms) collapse into the lowest kept one. Collapsing keeps the highest
 * indices of the union, so merging capped sketches gives the same buckets as capping the union once.
 */
import { FeatureflowError } from '../../registry/errors.js';
import { ident } from '../sql.js';
import type { NumericSketch } from './types.js';

export const SKETCH_ACCURACY = 0.005;
export const SKETCH_GAMMA = (1 + SKETCH_ACCURACY) / (1 - SKETCH_ACCURACY);
/** Below this magnitude a value counts as zero: far below any feature's meaningful resolution. */
export const SKETCH_MIN_INDEXED = 1e-12;
/** 2 x 1500 buckets serialise to well under 64 KiB (each is at most ~20 bytes of JSON). */
export const MAX_BUCKETS_PER_SIDE = 1500;

export interface SketchBucket {
  /** Values in (lower, upper] for positive buckets, [lower, upper) for negative ones, [lower, upper] for zero. */
  lower: number;
  upper: number;
  count: number;
}

export function newSketch(): NumericSketch {
  return { kind: 'ddsketch', gamma: SKETCH_GAMMA, minIndexed: SKETCH_MIN_INDEXED, zero: 0, positive: {}, negative: {}, count: 0 };
}

/**
 * SQL for the bucket counts of numeric `columns` of `relation`: rows (feature, side, idx, n) with side 1, -1 or 0
 * (zero bucket). Non-finite values and NULLs are left out.
 */
export function sketchSql(relation: string, columns: readonly string[]): string {
  const lnGamma = Math.log(SKETCH_GAMMA);
  const values = columns
    .map((c, i) => `SELECT ${i} AS f, CAST(${ident(c)} AS DOUBLE) AS v FROM ${relation} WHERE ${ident(c)} IS NOT NULL`)
    .join(' UNION ALL ');
  return (
    `SELECT f, CASE WHEN abs(v) < ${SKETCH_MIN_INDEXED} THEN 0 WHEN v > 0 THEN 1 ELSE -1 END AS side, ` +
    `CASE WHEN abs(v) < ${SKETCH_MIN_INDEXED} THEN 0 ELSE CAST(ceil(ln(abs(v)) / ${lnGamma}) AS INTEGER) END AS idx, ` +
    `count(*) AS n FROM (${values}) WHERE isfinite(v) GROUP BY ALL`
  );
}

/** A sketch from sketchSql's rows of one feature. */
export function sketchFromRows(rows: ReadonlyArray<{ side: number; idx: number; n: number }>): NumericSketch {
  const sketch = newSketch();
  for (const { side, idx, n } of rows) {
    if (side === 0) sketch.zero += n;
    else {
      const store = side > 0 ? sketch.positive : sketch.negative;
      store[String(idx)] = (store[String(idx)] ?? 0) + n;
    }
    sketch.count += n;
  }
  return capSketch(sketch);
}

function checkCompatible(a: NumericSketch, b: NumericSketch): void {
  if (a.kind !== 'ddsketch' || b.kind !== 'ddsketch' || a.gamma !== b.gamma || a.minIndexed !== b.minIndexed) {
    throw new FeatureflowError(
      'STATS_CORRUPT',
      `cannot merge sketches with different parameters (gamma ${a.gamma} vs ${b.gamma}, minIndexed ${a.minIndexed} vs ${b.minIndexed})`,
    );
  }
}

function addStore(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

export function mergeSketches(a: NumericSketch, b: NumericSketch): NumericSketch {
  checkCompatible(a, b);
  const merged: NumericSketch = { ...a, zero: a.zero + b.zero, positive: { ...a.positive }, negative: { ...a.negative }, count: a.count + b.count };
  addStore(merged.positive, b.positive);
  addStore(merged.negative, b.negative);
  return capSketch(merged);
}

/** Keeps the MAX_BUCKETS_PER_SIDE highest indices of each side; the rest is added to the lowest kept one. */
function capStore(store: Record<string, number>): Record<string, number> {
  const indices = Object.keys(store)
    .map(Number)
    .sort((x, y) => y - x);
  if (indices.length <= MAX_BUCKETS_PER_SIDE) return sortedStore(store, indices);
  const kept = indices.slice(0, MAX_BUCKETS_PER_SIDE);
  const floor = kept[kept.length - 1] as number;
  const out = sortedStore(store, kept);
  for (const i of indices.slice(MAX_BUCKETS_PER_SIDE)) out[String(floor)] = (out[String(floor)] ?? 0) + (store[String(i)] ?? 0);
  return out;
}

/** Ascending index order, so the same buckets serialise to the same JSON however they were merged. */
function sortedStore(store: Record<string, number>, indices: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of [...indices].sort((x, y) => x - y)) out[String(i)] = store[String(i)] ?? 0;
  return out;
}

function capSketch(s: NumericSketch): NumericSketch {
  return { ...s, positive: capStore(s.positive), negative: capStore(s.negative) };
}

/** Every non-empty bucket in ascending value order. */
export function sketchBuckets(s: NumericSketch): SketchBucket[] {
  const bound = (i: number): number => s.gamma ** i;
  const indices = (store: Record<string, number>): number[] => Object.keys(store).map(Number);
  const out: SketchBucket[] = [];
  for (const i of indices(s.negative).sort((x, y) => y - x)) {
    out.push({ lower: -bound(i), upper: -bound(i - 1), count: s.negative[String(i)] ?? 0 });
  }
  if (s.zero > 0) out.push({ lower: -s.minIndexed, upper: s.minIndexed, count: s.zero });
  for (const i of indices(s.positive).sort((x, y) => x - y)) {
    out.push({ lower: bound(i - 1), upper: bound(i), count: s.positive[String(i)] ?? 0 });
  }
  return out.filter((b) => b.count > 0);
}

/** The value a bucket stands for: within the sketch's relative accuracy of every value in it. */
function representative(s: NumericSketch, b: SketchBucket): number {
  if (b.lower < 0 && b.upper > 0) return 0;
  const sign = b.upper <= 0 ? -1 : 1;
  const high = Math.max(Math.abs(b.lower), Math.abs(b.upper));
  return (sign * 2 * high) / (s.gamma + 1);
}

/** The q-quantile (0 <= q <= 1), as the value of the bucket holding rank q * (count - 1); NaN when empty. */
export function sketchQuantile(s: NumericSketch, q: number): number {
  if (s.count === 0) return Number.NaN;
  const rank = Math.min(Math.max(q, 0), 1) * (s.count - 1);
  let seen = 0;
  const buckets = sketchBuckets(s);
  for (const b of buckets) {
    seen += b.count;
    if (seen > rank) return representative(s, b);
  }
  const last = buckets[buckets.length - 1];
  return last ? representative(s, last) : Number.NaN;
}

/** The fraction of values <= x; inside a bucket, interpolated on the log scale its width is uniform on. */
export function sketchCdf(s: NumericSketch, x: number): number {
  if (s.count === 0) return Number.NaN;
  let below = 0;
  for (const b of sketchBuckets(s)) {
    if (b.upper <= x) below += b.count;
    else if (b.lower < x) below += b.count * partOfBucket(b, x);
  }
  return Math.min(1, below / s.count);
}

function partOfBucket(b: SketchBucket, x: number): number {
  if (b.lower < 0 && b.upper > 0) return x >= 0 ? 1 : 0;
  const lo = Math.log(Math.abs(b.lower));
  const hi = Math.log(Math.abs(b.upper));
  const at = Math.log(Math.abs(x));
  const t = (at - lo) / (hi - lo);
  return Math.min(1, Math.max(0, t));
}
