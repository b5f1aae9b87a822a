/**
 * Turns a request's shape (features or service, full_feature_names, entity key names) into what the store reads
 * and how the response is named. Resolving references, checking names and building the metadata JSON cost more than
 * a small read itself, and clients send the same few shapes over and over, so plans are cached per shape.
 */
import { elementDtype, type Dtype } from '../registry/dtypes.js';
import { expandService, findView, resolveFeatureRefs, type ResolvedFeature } from '../registry/features.js';
import { compileOnDemand, requireOnDemandView } from '../registry/on-demand.js';
import type { FeatureView, Repo } from '../registry/schema.js';
import type { ViewLayout } from '../online/types.js';
import { BadRequestError, ViewNotOnlineError } from './errors.js';
import { onDemandStep, type ColumnSource, type OnDemandServing, type OnDemandStep } from './on-demand.js';
import type { OnlineFeaturesRequest } from './online-request.js';
import { PlanCache } from './plan-cache.js';

export interface ReadPlan {
  /**
   * What OnlineStore.read is asked for: in response order, unless on-demand features are requested (then the
   * stored features those need follow, and `onDemand` says how the response's columns are made).
   */
  features: ReadonlyArray<{ layout: ViewLayout; feature: string }>;
  onDemand?: OnDemandServing;
  /** Entity key columns (request order) then feature columns: the response's metadata.feature_names. */
  names: readonly string[];
  entityKeys: readonly string[];
  /**
   * `{"metadata":{"feature_names":[...]},"results":[` ready to prepend to the columns; with
   * include_feature_view_version_metadata the metadata also has `feature_view_metadata`, one `{"name"}` per view
   * in order of first use, as Feast's server writes it (its `version` is left out when 0, and views have none here).
   */
  head: string;
  /** Per response feature column: float32/float64 (or lists of them), whose whole numbers are written `3.0`. */
  floatColumns: readonly boolean[];
  /** Every view the request reads: requested views, on-demand views and the views they compute from (for auth). */
  views: readonly string[];
}

export type LayoutOf = (repo: Repo, view: FeatureView) => ViewLayout;

const DEFAULT_CACHE_SIZE = 1000;

export class OnlinePlanner {
  private readonly layouts = new Map<string, ViewLayout>();
  private readonly cache: PlanCache<ReadPlan>;

  constructor(
    private readonly repo: Repo,
    private readonly layoutOf: LayoutOf,
    cacheSize = DEFAULT_CACHE_SIZE,
  ) {
    this.cache = new PlanCache(cacheSize);
  }

  /** The plan for a request; throws NotFound/ViewNotOnline (404) or BadRequest (400) errors. */
  plan(request: OnlineFeaturesRequest): ReadPlan {
    const cached = this.cache.get(request);
    if (cached) return cached;
    const entityKeys = Object.keys(request.entities);
    const plan = this.build(request, entityKeys);
    // Failed shapes are never cached; valid ones are bounded so a client cycling through shapes cannot grow memory.
    this.cache.set(request, entityKeys, plan);
    return plan;
  }

  private build(request: OnlineFeaturesRequest, entityKeys: string[]): ReadPlan {
    const resolved: ResolvedFeature[] =
      request.feature_service !== undefined
        ? expandService(this.repo, request.feature_service)
        : resolveFeatureRefs(this.repo, request.features ?? []);
    const given = new Set(entityKeys);
    const owners = new Map<string, string>();
    const features: Array<{ layout: ViewLayout; feature: string }> = [];
    const names: string[] = [];
    const readIndex = new Map<string, number>();
    const read = (view: string, feature: string): number => {
      const key = `${view}:${feature}`;
      let index = readIndex.get(key);
      if (index === undefined) {
        const layout = this.layout(view);
        for (const k of layout.joinKeys) {
          if (!given.has(k)) {
            throw new BadRequestError(
              `invalid request: entities.${k} is missing: feature view "${view}" is looked up by ${layout.joinKeys.join(', ')}`,
            );
          }
        }
        index = features.length;
        features.push({ layout, feature });
        readIndex.set(key, index);
      }
      return index;
    };
    const columns: ColumnSource[] = [];
    const steps = new Map<string, { index: number; step: OnDemandStep }>();
    const requestFields = new Set<string>();
    const floatColumns: boolean[] = [];
    for (const f of resolved) {
      if (f.onDemand) {
        let entry = steps.get(f.view);
        if (!entry) {
          const odfv = requireOnDemandView(this.repo, f.view);
          for (const field of odfv.request) {
            if (!given.has(field.name)) {
              throw new BadRequestError(
                `invalid request: entities.${field.name} is missing: on-demand feature view "${f.view}" needs request field "${field.name}" (${field.dtype})`,
              );
            }
            requestFields.add(field.name);
          }
          entry = { index: steps.size, step: onDemandStep(compileOnDemand(this.repo, odfv), read) };
          steps.set(f.view, entry);
        }
        const output = entry.step.runner.outputs.findIndex((o) => o.name === f.feature);
        columns.push({ step: entry.index, output });
        floatColumns.push(isFloatDtype(entry.step.runner.outputs[output]?.dtype));
      } else {
        const index = read(f.view, f.feature);
        columns.push({ read: index });
        const { layout } = features[index] as { layout: ViewLayout };
        floatColumns.push(isFloatDtype(layout.dtypes[layout.features.indexOf(f.feature)]));
      }
      const name = request.full_feature_names ? `${f.view}__${f.feature}` : f.feature;
      const owner = owners.get(name);
      if (owner !== undefined) {
        throw new BadRequestError(
          `feature name "${name}" is requested from both "${owner}" and "${f.view}": ` +
            'set full_feature_names to true to get view__feature names',
        );
      }
      if (given.has(name)) {
        throw new BadRequestError(
          `feature "${f.view}:${f.feature}" has the same name as entity key "${name}": set full_feature_names to true`,
        );
      }
      owners.set(name, f.view);
      names.push(name);
    }
    // A column nothing reads is most likely a misspelt key or a wrong request: echoing it back with 200 would hide
    // that the features were looked up without it.
    const used = new Set([...features.flatMap((f) => f.layout.joinKeys), ...requestFields]);
    const unused = entityKeys.filter((k) => !used.has(k));
    if (unused.length > 0) {
      throw new BadRequestError(
        `invalid request: ${unused.map((k) => `entities.${k}`).join(', ')}: not a join key of the requested views` +
          `${requestFields.size > 0 ? ' nor a request field' : ''} (they are looked up by ${[...used].join(', ') || 'nothing'})`,
      );
    }
    const keys = requestFields.size === 0 ? entityKeys : entityKeys.filter((k) => !requestFields.has(k));
    const allNames = [...keys, ...names];
    const viewMetadata = request.include_feature_view_version_metadata
      ? `,"feature_view_metadata":${JSON.stringify([...new Set(resolved.map((f) => f.view))].map((name) => ({ name })))}`
      : '';
    const plan: ReadPlan = {
      features,
      names: allNames,
      entityKeys: keys,
      head: `{"metadata":{"feature_names":${JSON.stringify(allNames)}${viewMetadata}},"results":[`,
      floatColumns,
      views: [...new Set([...resolved.map((f) => f.view), ...features.map((f) => f.layout.view)])],
    };
    if (steps.size > 0) plan.onDemand = { steps: [...steps.values()].map((s) => s.step), columns, requestFields };
    return plan;
  }

  private layout(viewName: string): ViewLayout {
    let layout = this.layouts.get(viewName);
    if (!layout) {
      const view = findView(this.repo, viewName);
      if (!view.online) throw new ViewNotOnlineError(viewName);
      layout = this.layoutOf(this.repo, view);
      this.layouts.set(viewName, layout);
    }
    return layout;
  }
}

/** float32, float64 and lists of them: the columns whose whole numbers are written `3.0` (see float-json.ts). */
function isFloatDtype(dtype: Dtype | undefined): boolean {
  if (dtype === undefined) return false;
  const element = elementDtype(dtype);
  return element === 'float32' || element === 'float64';
}
