/**
 * One drift check of some views as of an instant: which views, which windows, and the reports. The one function
 * behind the checkDrift activity and `featureflow drift --run`, so a scheduled check and a manual one compare the
 * same windows. The metrics themselves are the engine's computeDrift (src/engine/stats/drift.ts), injected.
 */
import type { EngineContext } from '../engine/context.js';
import type { DriftReport } from '../engine/stats/types.js';
import { parseDuration } from '../registry/duration.js';
import { FeatureflowError } from '../registry/errors.js';
import { findView } from '../registry/features.js';
import { parseInstantMs } from '../registry/instant.js';
import { DRIFT_DEFAULTS, type DriftConfig } from '../registry/quality-schema.js';
import type { FeatureView, Repo } from '../registry/schema.js';

export type DriftReference = { start: Date; end: Date } | { snapshot: string };

/** The engine's `computeDrift` (src/engine/stats/drift.ts). */
export type ComputeDriftFn = (
  ctx: EngineContext,
  view: string,
  opts: { reference: DriftReference; current: { start: Date; end: Date } },
) => Promise<DriftReport>;

export class DriftNotConfiguredError extends FeatureflowError {
  constructor(view: string) {
    super(
      'DRIFT_NOT_CONFIGURED',
      `feature view "${view}" has no drift.reference, so there is nothing to compare its data with: give it ` +
        '`drift: { reference: { start, end } }` or `{ snapshot: NAME }` (see docs/feature-quality.md)',
    );
  }
}

type DriftView = FeatureView & { drift: DriftConfig & { reference: NonNullable<DriftConfig['reference']> } };

function hasReference(view: FeatureView): view is DriftView {
  return view.drift?.reference !== undefined;
}

/** The named views in the order given (duplicates once), or every view with a drift reference in registry order. */
export function selectDriftViews(repo: Repo, names: readonly string[] | undefined): DriftView[] {
  if (!names || names.length === 0) return repo.featureViews.filter(hasReference);
  return [...new Set(names)].map((name) => {
    const view = findView(repo, name);
    if (!hasReference(view)) throw new DriftNotConfiguredError(name);
    return view;
  });
}

/** The windows of one check: current = [checkedAt - drift.window, checkedAt); the reference as the registry says. */
export function driftWindows(view: DriftView, checkedAt: Date): { reference: DriftReference; current: { start: Date; end: Date } } {
  const seconds = parseDuration(view.drift.window ?? DRIFT_DEFAULTS.window);
  const current = { start: new Date(checkedAt.getTime() - seconds * 1000), end: checkedAt };
  const ref = view.drift.reference;
  if ('snapshot' in ref) return { reference: { snapshot: ref.snapshot }, current };
  const start = parseInstantMs(ref.start);
  const end = parseInstantMs(ref.end);
  if (start === undefined || end === undefined || start >= end) {
    throw new FeatureflowError(
      'DRIFT_NOT_CONFIGURED',
      `feature view "${view.name}": drift.reference must be ISO-8601 instants with start before end, got ${JSON.stringify(ref)}`,
    );
  }
  return { reference: { start: new Date(start), end: new Date(end) }, current };
}

/** The reports of the views, one after another (each reads stored stats; together they would compete for DuckDB). */
export async function runDriftChecks(
  ctx: EngineContext,
  computeDrift: ComputeDriftFn,
  names: readonly string[] | undefined,
  checkedAt: Date,
): Promise<Array<{ view: string; report: DriftReport }>> {
  const views = selectDriftViews(ctx.repo, names);
  const out: Array<{ view: string; report: DriftReport }> = [];
  for (const view of views) {
    out.push({ view: view.name, report: await computeDrift(ctx, view.name, driftWindows(view, checkedAt)) });
  }
  return out;
}
