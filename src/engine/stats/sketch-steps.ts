/**
 * A NumericSketch (types.ts) read as a cumulative distribution, for drift. A sketch only knows how many values fell
 * in each bucket, so its CDF is exact at bucket edges and interpolated inside a bucket: drift compares two sketches
 * at edges (where nothing is guessed), and PSI puts its bin edges on bucket edges for the same reason.
 *
 * Written against the sketch's stored shape, not the stats module's functions, so drift reads any stored sketch,
 * whatever gamma it was built with.
 */
import type { NumericSketch } from './types.js';

/** One non-empty bucket, in ascending value order; the zero bucket is a point at 0 (lo = hi = 0). */
export interface SketchBucket {
  lo: number;
  hi: number;
  count: number;
  /** Values in all buckets before this one. */
  before: number;
}

export interface SketchDistribution {
  buckets: SketchBucket[];
  total: number;
}

function entries(record: Record<string, number>): Array<[number, number]> {
  return Object.entries(record)
    .map(([key, count]): [number, number] => [Number(key), count])
    .filter(([, count]) => count > 0);
}

/**
 * Bucket i holds (gamma^(i-1), gamma^i] on the positive side and [-gamma^i, -gamma^(i-1)) on the negative side
 * (index ceil(log_gamma |v|)). A value exactly on a negative edge is counted one bucket off: harmless, because
 * drift only compares two sketches read the same way.
 */
export function sketchDistribution(sketch: NumericSketch): SketchDistribution {
  const { gamma } = sketch;
  const negative = entries(sketch.negative)
    .sort((a, b) => b[0] - a[0])
    .map(([i, count]) => ({ lo: -(gamma ** i), hi: -(gamma ** (i - 1)), count }));
  const positive = entries(sketch.positive)
    .sort((a, b) => a[0] - b[0])
    .map(([i, count]) => ({ lo: gamma ** (i - 1), hi: gamma ** i, count }));
  const zero = sketch.zero > 0 ? [{ lo: 0, hi: 0, count: sketch.zero }] : [];
  let before = 0;
  const buckets = [...negative, ...zero, ...positive].map((b) => {
    const bucket = { ...b, before };
    before += b.count;
    return bucket;
  });
  return { buckets, total: before };
}

/** Number of values <= x (interpolated linearly inside the bucket holding x; exact at bucket edges). */
export function countAtMost(dist: SketchDistribution, x: number): number {
  const { buckets } = dist;
  // First bucket whose hi >= x.
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((buckets[mid] as SketchBucket).hi < x) lo = mid + 1;
    else hi = mid;
  }
  const bucket = buckets[lo];
  if (!bucket) return dist.total;
  if (x >= bucket.hi) return bucket.before + bucket.count;
  if (x <= bucket.lo) return bucket.before;
  return bucket.before + (bucket.count * (x - bucket.lo)) / (bucket.hi - bucket.lo);
}

/** The upper edge of the bucket holding the value of rank ceil(q * total) (1-based): a quantile on an edge. */
export function quantileEdge(dist: SketchDistribution, q: number): number | undefined {
  const rank = Math.max(1, Math.ceil(q * dist.total));
  return dist.buckets.find((b) => b.before + b.count >= rank)?.hi;
}

/**
 * KS D from two sketches: the largest gap between their CDFs over the union of both sketches' bucket edges. Between
 * edges both CDFs only grow inside buckets, so with equal gammas this misses at most the mass of one bucket.
 */
export function sketchKsD(a: SketchDistribution, b: SketchDistribution): number {
  if (a.total === 0 || b.total === 0) return Number.NaN;
  const edges = [...new Set([...a.buckets.map((x) => x.hi), ...b.buckets.map((x) => x.hi)])].sort((x, y) => x - y);
  let d = 0;
  for (const edge of edges) {
    d = Math.max(d, Math.abs(countAtMost(a, edge) / a.total - countAtMost(b, edge) / b.total));
  }
  return d;
}
