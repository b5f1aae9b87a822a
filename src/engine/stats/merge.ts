/**
 * Stats of a range from the stats of its parts, without the rows: counts add, mean and standard deviation combine
 * exactly (Chan et al.'s pairwise update of the sum of squared deviations), sketches merge, and the quantiles of a
 * merged range come from the merged sketch (clamped to the exact min and max). Two figures are approximate: distinct
 * is the largest part's (a lower bound: distinct counts do not add), and top values only count what made some
 * part's top list.
 */
import { mergeSketches, sketchQuantile } from './sketch.js';
import { QUANTILE_NAMES, QUANTILES, TOP_K } from './compute.js';
import type { FeatureStats, ViewStats } from './types.js';

export function mergeViewStats(view: string, start: string, end: string, parts: readonly ViewStats[]): ViewStats {
  if (parts.length === 1 && parts[0]?.start === start && parts[0].end === end) return parts[0];
  const byFeature = new Map<string, FeatureStats>();
  for (const part of parts) {
    for (const f of part.features) {
      const seen = byFeature.get(f.feature);
      byFeature.set(f.feature, seen ? mergeFeature(seen, f) : f);
    }
  }
  const features = [...byFeature.values()].map((f) => (parts.length > 1 ? withSketchQuantiles(f) : f));
  return { view, start, end, rows: parts.reduce((n, p) => n + p.rows, 0), features };
}

function mergeFeature(a: FeatureStats, b: FeatureStats): FeatureStats {
  const count = a.count + b.count;
  const nulls = a.nulls + b.nulls;
  const out: FeatureStats = { feature: a.feature, dtype: b.dtype, count, nulls, nullRate: count + nulls === 0 ? 0 : nulls / (count + nulls) };
  const moments = mergeMoments(a, b);
  if (moments) Object.assign(out, moments);
  const min = pick(a.min, b.min, Math.min);
  const max = pick(a.max, b.max, Math.max);
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  const distinct = pick(a.distinct, b.distinct, Math.max);
  if (distinct !== undefined) out.distinct = distinct;
  if (a.sketch && b.sketch) out.sketch = mergeSketches(a.sketch, b.sketch);
  else if (a.sketch ?? b.sketch) out.sketch = a.sketch ?? b.sketch;
  if (a.topK || b.topK) out.topK = mergeTopK(a.topK ?? [], b.topK ?? []);
  return out;
}

function pick(a: number | undefined, b: number | undefined, f: (x: number, y: number) => number): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return f(a, b);
}

/** Sample mean and standard deviation of the union of two parts. */
function mergeMoments(a: FeatureStats, b: FeatureStats): { mean: number; stddev: number } | undefined {
  if (a.mean === undefined || a.count === 0) return b.mean === undefined ? undefined : { mean: b.mean, stddev: b.stddev ?? 0 };
  if (b.mean === undefined || b.count === 0) return { mean: a.mean, stddev: a.stddev ?? 0 };
  const n = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = a.mean + (delta * b.count) / n;
  const m2 = (x: FeatureStats): number => (x.stddev ?? 0) ** 2 * (x.count - 1);
  const total = m2(a) + m2(b) + (delta * delta * a.count * b.count) / n;
  return { mean, stddev: n > 1 ? Math.sqrt(total / (n - 1)) : 0 };
}

function mergeTopK(a: ReadonlyArray<{ value: string; count: number }>, b: ReadonlyArray<{ value: string; count: number }>): Array<{ value: string; count: number }> {
  const counts = new Map<string, number>();
  for (const { value, count } of [...a, ...b]) counts.set(value, (counts.get(value) ?? 0) + count);
  return [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
    .slice(0, TOP_K);
}

function withSketchQuantiles(f: FeatureStats): FeatureStats {
  if (!f.sketch || f.sketch.count === 0) return f;
  const sketch = f.sketch;
  const clamp = (v: number): number => Math.min(f.max ?? v, Math.max(f.min ?? v, v));
  const quantiles = Object.fromEntries(QUANTILE_NAMES.map((name) => [name, clamp(sketchQuantile(sketch, QUANTILES[name]))]));
  return { ...f, quantiles: quantiles as FeatureStats['quantiles'] };
}
