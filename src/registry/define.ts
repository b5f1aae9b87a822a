/**
 * Typed helpers for `featureflow.config.ts`. They only shape and normalise: an entity or source object may be
 * passed where a name is expected, and is replaced by its name, so a TypeScript repo and a JSON repo end up as the
 * same plain object and pass the same schema.
 */
import type { z } from 'zod';
import type { Dtype } from './dtypes.js';
import type {
  OdValue,
  OnDemandExpressions,
  OnDemandFeatureViewSchema,
  OnDemandTransform,
  EntitySchema,
  FeatureServiceSchema,
  FeatureViewSchema,
  RepoInput,
  SourceSchema,
} from './schema.js';

export type EntityDefinition = z.input<typeof EntitySchema>;
export type SourceDefinition = z.input<typeof SourceSchema>;
export type FeatureServiceDefinition = z.input<typeof FeatureServiceSchema>;
type ViewInput = z.input<typeof FeatureViewSchema>;
export type FeatureViewDefinition = Omit<ViewInput, 'entities' | 'source'> & {
  entities: Array<string | EntityDefinition>;
  source: string | SourceDefinition;
};
export type NormalisedFeatureView = ViewInput;

export function defineEntity<const T extends EntityDefinition>(entity: T): T {
  return entity;
}

export function defineSource<const T extends SourceDefinition>(source: T): T {
  return source;
}

export function defineFeatureView(view: FeatureViewDefinition): NormalisedFeatureView {
  return {
    ...view,
    entities: view.entities.map((e) => (typeof e === 'string' ? e : e.name)),
    source: typeof view.source === 'string' ? view.source : view.source.name,
  };
}

export function defineFeatureService(
  service: Omit<FeatureServiceDefinition, 'features'> & {
    features: Record<string, string[]> | Array<{ view: string | { name: string }; features: string[] }>;
  },
): FeatureServiceDefinition {
  const features = Array.isArray(service.features)
    ? Object.fromEntries(service.features.map((f) => [typeof f.view === 'string' ? f.view : f.view.name, f.features]))
    : service.features;
  return { ...service, features };
}

/** Columns a transform receives, typed by the names it declares (request fields and listed source features). */
export type OnDemandInputColumns<C extends string> = { readonly [K in C]: readonly OdValue[] };

export type OnDemandFeatureViewDefinition<C extends string = string> = Omit<
  z.input<typeof OnDemandFeatureViewSchema>,
  'sources' | 'request' | 'transform'
> & {
  sources?: Array<string | { name: string } | { view: string | { name: string }; features?: C[] }>;
  request?: Array<{ name: C; dtype: Dtype; description?: string; tags?: Record<string, string> }>;
  transform: ((columns: OnDemandInputColumns<C>) => Record<string, readonly OdValue[]>) | OnDemandExpressions;
};

/**
 * A feature view object may stand for its name in `sources`, as elsewhere in a TypeScript repo. The transform's
 * columns are typed by the request fields and the features listed in `sources[].features`, so `cols.amount` needs
 * no `!` (a source given without a feature list still works, its columns just are not typed).
 */
export function defineOnDemandFeatureView<const C extends string>(
  odfv: OnDemandFeatureViewDefinition<C>,
): z.input<typeof OnDemandFeatureViewSchema> {
  const sources = (odfv.sources ?? []).map((s) => {
    if (typeof s === 'string') return s;
    if ('view' in s) return { view: typeof s.view === 'string' ? s.view : s.view.name, ...(s.features ? { features: s.features } : {}) };
    return s.name;
  });
  // The schema's function type reads columns by any name; the typed one only narrows what the author may write.
  return { ...odfv, sources, transform: odfv.transform as OnDemandTransform };
}

export function defineProject(repo: RepoInput): RepoInput {
  return repo;
}
