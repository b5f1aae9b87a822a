/**
 * Feature references (`view:feature`, `service:name`) and the features a view offers. Shared by the engine, the
 * online store and the API so that every entry point resolves names the same way and fails with the same errors.
 */
import type { Dtype } from './dtypes.js';
import { formatDuration, parseDuration } from './duration.js';
import { FeatureflowError, NotFoundError } from './errors.js';
import type { FeatureView, Repo } from './schema.js';

export interface ViewFeature {
  name: string;
  /** Undefined for aggregation columns whose type DuckDB infers at compute time. */
  dtype: Dtype | undefined;
}

export interface ResolvedFeature {
  view: string;
  feature: string;
  dtype: Dtype | undefined;
  /** True for an output of an on-demand feature view (computed, not stored). */
  onDemand?: boolean;
}

export const SERVICE_PREFIX = 'service';

/** Name of the column an aggregation yields for one window: `txn_count` over `7d` -> `txn_count_7d`. */
export function aggregationColumnName(feature: string, window: string | number): string {
  const text = typeof window === 'string' && /^\d+[smhdw]$/.test(window) ? window : formatDuration(parseDuration(window));
  return `${feature}_${text}`;
}

export function viewFeatures(view: FeatureView): ViewFeature[] {
  if (view.aggregation) {
    const { windows, features } = view.aggregation;
    return features.flatMap((f) =>
      windows.map((w) => ({
        name: aggregationColumnName(f.name, w),
        dtype: f.function === 'count' || f.function === 'count_distinct' ? ('int64' as const) : undefined,
      })),
    );
  }
  return (view.schema ?? []).map((f) => ({ name: f.name, dtype: f.dtype as Dtype }));
}

export function findView(repo: Repo, name: string): FeatureView {
  const view = repo.featureViews.find((v) => v.name === name);
  if (!view) {
    const known = repo.featureViews.map((v) => v.name).join(', ') || '(none)';
    throw new NotFoundError(`unknown feature view "${name}"; known views: ${known}`);
  }
  return view;
}

/** Features of a service, in the order the service lists them. */
export function expandService(repo: Repo, name: string): ResolvedFeature[] {
  const service = repo.featureServices.find((s) => s.name === name);
  if (!service) {
    const known = repo.featureServices.map((s) => s.name).join(', ') || '(none)';
    throw new NotFoundError(`unknown feature service "${name}"; known services: ${known}`);
  }
  return Object.entries(service.features).flatMap(([view, names]) => names.map((f) => resolveOne(repo, view, f)));
}

/** Features a feature view or an on-demand view offers, by name (on-demand views are looked up second). */
function offeredFeatures(repo: Repo, viewName: string): Array<ViewFeature & { onDemand?: boolean }> {
  const odfv = repo.featureViews.some((v) => v.name === viewName) ? undefined : repo.onDemandFeatureViews.find((v) => v.name === viewName);
  if (odfv) return odfv.schema.map((f) => ({ name: f.name, dtype: f.dtype, onDemand: true }));
  return viewFeatures(findView(repo, viewName));
}

function resolveOne(repo: Repo, viewName: string, feature: string): ResolvedFeature {
  const odfv = repo.featureViews.some((v) => v.name === viewName) ? undefined : repo.onDemandFeatureViews.find((v) => v.name === viewName);
  if (odfv) {
    const output = odfv.schema.find((f) => f.name === feature);
    if (!output) {
      const known = odfv.schema.map((f) => f.name).join(', ');
      throw new NotFoundError(`on-demand feature view "${viewName}" has no feature "${feature}"; it has: ${known}`);
    }
    return { view: viewName, feature, dtype: output.dtype, onDemand: true };
  }
  const view = findView(repo, viewName);
  const found = viewFeatures(view).find((f) => f.name === feature);
  if (!found) {
    const known = viewFeatures(view).map((f) => f.name).join(', ');
    throw new NotFoundError(`feature view "${viewName}" has no feature "${feature}"; it has: ${known}`);
  }
  return { view: viewName, feature, dtype: found.dtype };
}

/**
 * Resolves references in the order given (duplicates dropped). `view:feature` names one feature; `view:*` all of a
 * view's features; `service:NAME` expands a feature service. `view` may be an on-demand feature view.
 */
export function resolveFeatureRefs(repo: Repo, refs: readonly string[]): ResolvedFeature[] {
  const out: ResolvedFeature[] = [];
  const seen = new Set<string>();
  const push = (f: ResolvedFeature): void => {
    const key = `${f.view}:${f.feature}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f);
    }
  };
  for (const ref of refs) {
    const parts = ref.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new FeatureflowError(
        'INVALID_FEATURE_REF',
        `feature reference ${JSON.stringify(ref)} is malformed: write "view:feature" or "service:NAME"`,
      );
    }
    const [left, right] = parts as [string, string];
    if (left === SERVICE_PREFIX && !repo.featureViews.some((v) => v.name === SERVICE_PREFIX)) {
      expandService(repo, right).forEach(push);
    } else if (right === '*') {
      offeredFeatures(repo, left).forEach((f) => push({ view: left, feature: f.name, dtype: f.dtype, ...(f.onDemand ? { onDemand: true } : {}) }));
    } else {
      push(resolveOne(repo, left, right));
    }
  }
  if (out.length === 0) throw new FeatureflowError('INVALID_FEATURE_REF', 'no features requested');
  return out;
}
