/**
 * Turns a request's shape (features or service, full_feature_names, entity key names) into what the store reads
 * and how the response is named. Resolving references, checking names and building the metadata JSON cost more than
 * a small read itself, and clients send the same few shapes over and over, so plans are cached per shape.
 */
import { expandService, findView, resolveFeatureRefs, type ResolvedFeature } from '../registry/features.js';
import type { FeatureView, Repo } from '../registry/schema.js';
import type { ViewLayout } from '../online/types.js';
import { BadRequestError, ViewNotOnlineError } from './errors.js';
import type { OnlineFeaturesRequest } from './online-request.js';

export interface ReadPlan {
  /** What OnlineStore.read is asked for, in response order. */
  features: ReadonlyArray<{ layout: ViewLayout; feature: string }>;
  /** Entity key columns (request order) then feature columns: the response's metadata.feature_names. */
  names: readonly string[];
  entityKeys: readonly string[];
  /**
   * `{"metadata":{"feature_names":[...]},"results":[` ready to prepend to the columns; with
   * include_feature_view_version_metadata the metadata also has `feature_view_metadata`, one `{"name"}` per view
   * in order of first use, as Feast's server writes it (its `version` is left out when 0, and views have none here).
   */
  head: string;
}

export type LayoutOf = (repo: Repo, view: FeatureView) => ViewLayout;

const DEFAULT_CACHE_SIZE = 1000;

export class OnlinePlanner {
  private readonly layouts = new Map<string, ViewLayout>();
  private readonly cache = new Map<string, ReadPlan>();

  constructor(
    private readonly repo: Repo,
    private readonly layoutOf: LayoutOf,
    private readonly cacheSize = DEFAULT_CACHE_SIZE,
  ) {}

  /** The plan for a request; throws NotFound/ViewNotOnline (404) or BadRequest (400) errors. */
  plan(request: OnlineFeaturesRequest): ReadPlan {
    const entityKeys = Object.keys(request.entities);
    const cacheKey = JSON.stringify([
      request.full_feature_names,
      request.include_feature_view_version_metadata,
      request.feature_service ?? null,
      request.features ?? null,
      entityKeys,
    ]);
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const plan = this.build(request, entityKeys);
    // Failed shapes are never cached; valid ones are bounded so a client cycling through shapes cannot grow memory.
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(cacheKey, plan);
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
    for (const f of resolved) {
      const layout = this.layout(f.view);
      for (const key of layout.joinKeys) {
        if (!given.has(key)) {
          throw new BadRequestError(
            `invalid request: entities.${key} is missing: feature view "${f.view}" is looked up by ${layout.joinKeys.join(', ')}`,
          );
        }
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
      features.push({ layout, feature: f.feature });
      names.push(name);
    }
    const allNames = [...entityKeys, ...names];
    const viewMetadata = request.include_feature_view_version_metadata
      ? `,"feature_view_metadata":${JSON.stringify([...new Set(resolved.map((f) => f.view))].map((name) => ({ name })))}`
      : '';
    return {
      features,
      names: allNames,
      entityKeys,
      head: `{"metadata":{"feature_names":${JSON.stringify(allNames)}${viewMetadata}},"results":[`,
    };
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
