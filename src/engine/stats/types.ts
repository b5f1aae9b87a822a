/**
 * What feature statistics and drift reports hold: the contract between the engine that computes them, the files
 * that store them, and the CLI, API and workflows that show them. Plain JSON, so stored stats and reports are
 * read back by any tool.
 */

/**
 * A mergeable sketch of a numeric feature's distribution (DDSketch-style): value v > 0 counts in bucket
 * ceil(log_gamma(v)), v < 0 in the negative bucket of |v|, |v| below `minIndexed` as zero. Two sketches with the
 * same gamma merge by adding counts, so a range is summarised from its partitions without reading rows.
 * Serialised at most 64 KiB.
 */
export interface NumericSketch {
  kind: 'ddsketch';
  gamma: number;
  /** Values with |v| below this count as zero. */
  minIndexed: number;
  zero: number;
  /** bucket index -> count. */
  positive: Record<string, number>;
  negative: Record<string, number>;
  count: number;
}

export interface FeatureStats {
  feature: string;
  /** The view's declared dtype of the feature. */
  dtype: string;
  count: number;
  nulls: number;
  nullRate: number;
  /** Numeric features only. */
  mean?: number;
  stddev?: number;
  min?: number;
  max?: number;
  /** p1, p5, p25, p50, p75, p95, p99. */
  quantiles?: Record<'p1' | 'p5' | 'p25' | 'p50' | 'p75' | 'p95' | 'p99', number>;
  distinct?: number;
  /** String features: the most frequent values. */
  topK?: Array<{ value: string; count: number }>;
  sketch?: NumericSketch;
}

/** The statistics of one view's rows over [start, end) (one date partition, or a merged range). */
export interface ViewStats {
  view: string;
  start: string;
  end: string;
  rows: number;
  features: FeatureStats[];
}

export type DriftLevel = 'ok' | 'warn' | 'alert';

export interface FeatureDrift {
  feature: string;
  dtype: string;
  /** Numeric: PSI over 10 reference-quantile bins; KS D and p-value. Strings: Jensen-Shannon distance. */
  psi?: number;
  ks?: { d: number; pValue: number; method: 'exact' | 'sketch' };
  js?: number;
  /** Current null rate minus the reference's, in percentage points. */
  nullDeltaPoints: number;
  level: DriftLevel;
  /** Which metrics crossed which threshold, for people. */
  reasons: string[];
}

export interface DriftReport {
  view: string;
  reference: { start: string; end: string; snapshot?: string; rows: number };
  current: { start: string; end: string; rows: number };
  features: FeatureDrift[];
  level: DriftLevel;
}
