/**
 * A view's drift between a reference (a date range or a saved snapshot) and a current range, from statistics
 * loaded through a StatsReader (drift.ts passes the stored ones). KS D is exact (from the rows) while both sides are
 * small enough to read, and comes from the sketches above that or when the reference is a snapshot, which has no
 * rows to read.
 */
import { findView, viewFeatures } from '../../registry/features.js';
import type { EngineContext } from '../context.js';
import { driftReport, type ExactSamples } from './drift-report.js';
import { readSortedValues, type TimeRange } from './exact-samples.js';
import { driftThresholds } from './metrics.js';
import type { DriftReport, ViewStats } from './types.js';

/** Most non-null values per side for the exact KS test: 100k doubles a side is under 1 MiB per feature. */
export const EXACT_KS_MAX_VALUES = 100_000;

/** Where statistics come from: the signatures of store.ts's loadStats and loadSnapshot. */
export interface StatsReader {
  loadStats(ctx: EngineContext, view: string, start: Date, end: Date): Promise<ViewStats>;
  loadSnapshot(ctx: EngineContext, view: string, name: string): Promise<ViewStats>;
}

export interface ComputeDriftOptions {
  reference: TimeRange | { snapshot: string };
  current: TimeRange;
  /** Overrides EXACT_KS_MAX_VALUES (0: always from the sketches). */
  exactMaxValues?: number;
}

function exactFeatures(reference: ViewStats, current: ViewStats, limit: number): string[] {
  const small = (stats: ViewStats) =>
    new Set(stats.features.filter((f) => f.sketch && f.sketch.count <= limit).map((f) => f.feature));
  const ref = small(reference);
  return [...small(current)].filter((f) => ref.has(f));
}

async function exactSamples(
  ctx: EngineContext,
  viewName: string,
  features: string[],
  reference: TimeRange,
  current: TimeRange,
): Promise<Map<string, ExactSamples>> {
  const view = findView(ctx.repo, viewName);
  const ref = await readSortedValues(ctx, view, features, reference);
  const cur = await readSortedValues(ctx, view, features, current);
  return new Map(
    features.map((f) => [f, { reference: ref.get(f) ?? new Float64Array(), current: cur.get(f) ?? new Float64Array() }]),
  );
}

export async function computeDriftFrom(
  stats: StatsReader,
  ctx: EngineContext,
  viewName: string,
  opts: ComputeDriftOptions,
): Promise<DriftReport> {
  const view = findView(ctx.repo, viewName);
  const snapshot = 'snapshot' in opts.reference ? opts.reference.snapshot : undefined;
  const reference =
    'snapshot' in opts.reference
      ? await stats.loadSnapshot(ctx, viewName, opts.reference.snapshot)
      : await stats.loadStats(ctx, viewName, opts.reference.start, opts.reference.end);
  const current = await stats.loadStats(ctx, viewName, opts.current.start, opts.current.end);
  const limit = opts.exactMaxValues ?? EXACT_KS_MAX_VALUES;
  const samples =
    'snapshot' in opts.reference || limit <= 0
      ? undefined
      : await exactSamples(ctx, viewName, exactFeatures(reference, current, limit), opts.reference, opts.current);
  return driftReport({
    reference,
    current,
    ...(snapshot !== undefined ? { snapshot } : {}),
    thresholds: driftThresholds(view.drift),
    features: viewFeatures(view).map((f) => f.name),
    ...(samples ? { samples } : {}),
  });
}
