/**
 * A drift report from two ViewStats (pure): per feature the metrics its kind allows, the level they reach, and the
 * view's level as the worst of them. The same inputs give the same report byte for byte: features come in the
 * order given, and every sum runs in a fixed order.
 */
import { ksPValue, ksStatistic } from './ks.js';
import { assess, jsDistance, nullDeltaPoints, psi, worstLevel, type DriftThresholds, type FeatureMetrics } from './metrics.js';
import { sketchDistribution, sketchKsD } from './sketch-steps.js';
import type { DriftReport, FeatureDrift, FeatureStats, ViewStats } from './types.js';

/** Sorted finite values of a feature on each side, for the exact KS test. */
export interface ExactSamples {
  reference: Float64Array;
  current: Float64Array;
}

export interface DriftInputs {
  reference: ViewStats;
  current: ViewStats;
  /** Set when the reference is a saved snapshot. */
  snapshot?: string;
  thresholds: DriftThresholds;
  /** Features to report, in report order (features absent from both stats are skipped). */
  features: readonly string[];
  /** Per feature, when its values were read: KS D is then exact, else from the sketches. */
  samples?: ReadonlyMap<string, ExactSamples>;
}

/** FeatureStats.count counts the non-null values (nulls apart), as the stats module computes it. */
function nonNull(s: FeatureStats): number {
  return s.count;
}

/** Numbers that came out NaN (a side with no values) are left out of the report rather than written as null. */
function finite(x: number): number | undefined {
  return Number.isFinite(x) ? x : undefined;
}

function ks(ref: FeatureStats, cur: FeatureStats, samples: ExactSamples | undefined): FeatureDrift['ks'] {
  if (samples) {
    const d = ksStatistic(samples.reference, samples.current);
    const p = ksPValue(d, samples.reference.length, samples.current.length);
    return Number.isFinite(d) ? { d, pValue: p.pValue, method: 'exact' } : undefined;
  }
  if (!ref.sketch || !cur.sketch) return undefined;
  const d = sketchKsD(sketchDistribution(ref.sketch), sketchDistribution(cur.sketch));
  // The p-value of a sketch D uses the sketches' own sizes (the values they summarise, non-finite ones left out).
  const p = ksPValue(d, ref.sketch.count, cur.sketch.count);
  return Number.isFinite(d) ? { d, pValue: p.pValue, method: 'sketch' } : undefined;
}

export function featureDrift(
  ref: FeatureStats,
  cur: FeatureStats,
  thresholds: DriftThresholds,
  samples: ExactSamples | undefined,
): FeatureDrift {
  const metrics: FeatureMetrics = { nullDeltaPoints: nullDeltaPoints(ref.nullRate, cur.nullRate) };
  const drift: FeatureDrift = { feature: cur.feature, dtype: cur.dtype, nullDeltaPoints: metrics.nullDeltaPoints, level: 'ok', reasons: [] };
  if (ref.sketch && cur.sketch) {
    metrics.psi = finite(psi(sketchDistribution(ref.sketch), sketchDistribution(cur.sketch)));
    if (metrics.psi !== undefined) drift.psi = metrics.psi;
    const k = ks(ref, cur, samples);
    if (k) {
      drift.ks = k;
      metrics.ksPValue = k.pValue;
    }
  } else if (ref.topK && cur.topK) {
    metrics.js = finite(jsDistance({ total: nonNull(ref), top: ref.topK }, { total: nonNull(cur), top: cur.topK }));
    if (metrics.js !== undefined) drift.js = metrics.js;
  }
  const { level, reasons } = assess(metrics, thresholds);
  return { ...drift, level, reasons };
}

/** A feature only one side has statistics for: reported, so a dropped or new feature is seen, and warned about. */
function oneSided(feature: string, present: FeatureStats, side: 'reference' | 'current'): FeatureDrift {
  return { feature, dtype: present.dtype, nullDeltaPoints: 0, level: 'warn', reasons: [`no statistics in the ${side} range`] };
}

export function driftReport(inputs: DriftInputs): DriftReport {
  const { reference, current } = inputs;
  const refByName = new Map(reference.features.map((f) => [f.feature, f]));
  const curByName = new Map(current.features.map((f) => [f.feature, f]));
  const features: FeatureDrift[] = [];
  for (const name of inputs.features) {
    const ref = refByName.get(name);
    const cur = curByName.get(name);
    if (ref && cur) features.push(featureDrift(ref, cur, inputs.thresholds, inputs.samples?.get(name)));
    else if (ref) features.push(oneSided(name, ref, 'current'));
    else if (cur) features.push(oneSided(name, cur, 'reference'));
  }
  return {
    view: current.view,
    reference: {
      start: reference.start,
      end: reference.end,
      ...(inputs.snapshot !== undefined ? { snapshot: inputs.snapshot } : {}),
      rows: reference.rows,
    },
    current: { start: current.start, end: current.end, rows: current.rows },
    features,
    level: worstLevel(features.map((f) => f.level)),
  };
}
