/**
 * Drift metrics between a reference and a current summary of one feature (pure: no I/O), and the level they add up
 * to against the view's thresholds. Why each choice was made is in docs/feature-quality.md, "Drift metrics".
 */
import { DRIFT_DEFAULTS, type DriftConfig } from '../../registry/quality-schema.js';
import { countAtMost, quantileEdge, type SketchDistribution } from './sketch-steps.js';
import type { DriftLevel } from './types.js';

/** Added to every bin's share before renormalising, so an empty bin gives a large but finite PSI term. */
export const PSI_EPSILON = 1e-4;
export const PSI_BINS = 10;

/** PSI of two lists of bin shares (each summing to 1), both smoothed by PSI_EPSILON. */
export function psiOfShares(reference: readonly number[], current: readonly number[]): number {
  const k = reference.length;
  const smooth = (p: number) => (p + PSI_EPSILON) / (1 + k * PSI_EPSILON);
  let psi = 0;
  for (let i = 0; i < k; i++) {
    const r = smooth(reference[i] ?? 0);
    const c = smooth(current[i] ?? 0);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/**
 * Bin edges at the reference's deciles, each moved up to the edge of the sketch bucket that holds it, so both
 * sides' bin counts are read exactly from their sketches. Equal edges (a value repeated over a tenth of the data)
 * merge their bins; an edge at the reference maximum is dropped, as the bin above it would be empty.
 */
export function psiEdges(reference: SketchDistribution): number[] {
  const first = reference.buckets[0];
  const last = reference.buckets.at(-1);
  if (!first || !last) return [];
  const edges: number[] = [];
  for (let k = 1; k < PSI_BINS; k++) {
    const edge = quantileEdge(reference, k / PSI_BINS);
    if (edge !== undefined && edge !== last.hi && edge !== edges.at(-1)) edges.push(edge);
  }
  if (edges.length > 0) return edges;
  // All reference values in one bucket (a constant feature): one bin would hide any change, so bin below, in and
  // above that bucket. Just below the zero bucket's point is -MIN_VALUE; below any other bucket, its lower edge.
  return [first.lo === first.hi ? first.lo - Number.MIN_VALUE : first.lo, last.hi];
}

/** Shares of a distribution in the bins (-inf, e1], (e1, e2], ..., (ek, +inf). */
export function binShares(dist: SketchDistribution, edges: readonly number[]): number[] {
  const cumulative = [...edges.map((e) => countAtMost(dist, e)), dist.total];
  return cumulative.map((c, i) => (c - (i === 0 ? 0 : (cumulative[i - 1] as number))) / dist.total);
}

/** PSI over the reference's decile bins; NaN when either side has no values. */
export function psi(reference: SketchDistribution, current: SketchDistribution): number {
  if (reference.total === 0 || current.total === 0) return Number.NaN;
  const edges = psiEdges(reference);
  return psiOfShares(binShares(reference, edges), binShares(current, edges));
}

export interface CategoryCounts {
  /** Non-null values in all. */
  total: number;
  /** The most frequent values (a top-k: values outside it are only known as a remainder). */
  top: ReadonlyArray<{ value: string; count: number }>;
}

const OTHER: unique symbol = Symbol('other');

function shares(counts: CategoryCounts, categories: ReadonlyArray<string | typeof OTHER>): number[] {
  const byValue = new Map(counts.top.map((t) => [t.value, t.count]));
  const listed = counts.top.reduce((sum, t) => sum + t.count, 0);
  return categories.map((c) => (c === OTHER ? Math.max(0, counts.total - listed) : (byValue.get(c) ?? 0)) / counts.total);
}

/**
 * Jensen-Shannon distance (base 2, so in [0, 1]) between two categorical distributions known by their top-k lists.
 * The categories are the union of both lists plus one "everything else" category per side's remainder; a value in
 * one side's list and not in the other's counts as 0 there (its count is in the remainder), which can only
 * overstate drift, never hide it. Categories are summed in sorted order, so the result is the same bit for bit.
 */
export function jsDistance(reference: CategoryCounts, current: CategoryCounts): number {
  if (reference.total === 0 || current.total === 0) return Number.NaN;
  const values = [...new Set([...reference.top.map((t) => t.value), ...current.top.map((t) => t.value)])].sort();
  const categories: Array<string | typeof OTHER> = [...values, OTHER];
  const p = shares(reference, categories);
  const q = shares(current, categories);
  let divergence = 0;
  for (let i = 0; i < categories.length; i++) {
    const pi = p[i] as number;
    const qi = q[i] as number;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += 0.5 * pi * Math.log2(pi / mi);
    if (qi > 0) divergence += 0.5 * qi * Math.log2(qi / mi);
  }
  return Math.sqrt(Math.min(1, Math.max(0, divergence)));
}

/** Current null rate minus the reference's, in percentage points (null rates are fractions in [0, 1]). */
export function nullDeltaPoints(referenceNullRate: number, currentNullRate: number): number {
  return (currentNullRate - referenceNullRate) * 100;
}

export interface DriftThresholds {
  psiWarn: number;
  psiAlert: number;
  ksPValue: number;
  js: number;
  nullDeltaPoints: number;
}

/** The view's `drift` thresholds, each one it leaves out taken from DRIFT_DEFAULTS. */
export function driftThresholds(config: DriftConfig | undefined): DriftThresholds {
  return {
    psiWarn: config?.psi?.warn ?? DRIFT_DEFAULTS.psiWarn,
    psiAlert: config?.psi?.alert ?? DRIFT_DEFAULTS.psiAlert,
    ksPValue: config?.ksPValue ?? DRIFT_DEFAULTS.ksPValue,
    js: config?.js ?? DRIFT_DEFAULTS.js,
    nullDeltaPoints: config?.nullDeltaPoints ?? DRIFT_DEFAULTS.nullDeltaPoints,
  };
}

export interface FeatureMetrics {
  psi?: number;
  ksPValue?: number;
  js?: number;
  nullDeltaPoints: number;
}

export interface Assessment {
  level: DriftLevel;
  reasons: string[];
}

const RANK: Record<DriftLevel, number> = { ok: 0, warn: 1, alert: 2 };

export function worstLevel(levels: Iterable<DriftLevel>): DriftLevel {
  let worst: DriftLevel = 'ok';
  for (const level of levels) if (RANK[level] > RANK[worst]) worst = level;
  return worst;
}

const fmt = (x: number) => Number(x.toPrecision(3)).toString();

/**
 * PSI has a warn and an alert threshold; JS distance and the null-rate change alert when they cross theirs. A
 * KS p-value below its threshold only warns: it measures how sure the difference is, not how large, and over a day
 * of rows a shift nobody cares about is already "significant".
 */
export function assess(m: FeatureMetrics, t: DriftThresholds): Assessment {
  const found: Array<{ level: DriftLevel; reason: string }> = [];
  if (m.psi !== undefined && Number.isFinite(m.psi)) {
    if (m.psi >= t.psiAlert) found.push({ level: 'alert', reason: `PSI ${fmt(m.psi)} >= alert ${t.psiAlert}` });
    else if (m.psi >= t.psiWarn) found.push({ level: 'warn', reason: `PSI ${fmt(m.psi)} >= warn ${t.psiWarn}` });
  }
  if (m.ksPValue !== undefined && m.ksPValue < t.ksPValue) {
    found.push({ level: 'warn', reason: `KS p-value ${fmt(m.ksPValue)} < ${t.ksPValue}` });
  }
  if (m.js !== undefined && m.js >= t.js) found.push({ level: 'alert', reason: `JS distance ${fmt(m.js)} >= ${t.js}` });
  if (Math.abs(m.nullDeltaPoints) >= t.nullDeltaPoints) {
    const sign = m.nullDeltaPoints > 0 ? '+' : '';
    found.push({ level: 'alert', reason: `null rate ${sign}${fmt(m.nullDeltaPoints)} points (limit ${t.nullDeltaPoints})` });
  }
  return { level: worstLevel(found.map((f) => f.level)), reasons: found.map((f) => f.reason) };
}
