/** What the online store needs of a view (ViewLayout), derived from the registry in one place for writer and reader. */
import type { Dtype } from '../registry/dtypes.js';
import { parseDuration } from '../registry/duration.js';
import { NotFoundError } from '../registry/errors.js';
import { findView, viewFeatures } from '../registry/features.js';
import type { FeatureView, Repo } from '../registry/schema.js';
import { secondsToMicros, tileSeconds } from '../registry/stream-tiles.js';
import type { StreamLayout, ViewLayout } from './types.js';

/**
 * The layout of a view, given by name or as the view object. Join keys are the keys of the view's entities in
 * declaration order; each key's type is its entity's valueType (undefined when the entity declares none).
 */
export function viewLayout(repo: Repo, view: string | FeatureView): ViewLayout {
  const def = typeof view === 'string' ? findView(repo, view) : view;
  const joinKeys: string[] = [];
  const keyTypes: (Dtype | undefined)[] = [];
  for (const name of def.entities) {
    const entity = repo.entities.find((e) => e.name === name);
    if (!entity) throw new NotFoundError(`feature view "${def.name}" uses unknown entity "${name}"`);
    for (const key of entity.joinKeys) {
      joinKeys.push(key);
      keyTypes.push(entity.valueType);
    }
  }
  const features = viewFeatures(def);
  const layout: ViewLayout = {
    project: repo.project,
    view: def.name,
    features: features.map((f) => f.name),
    dtypes: features.map((f) => f.dtype),
    joinKeys,
    keyTypes,
    ttlSeconds: def.ttl === undefined ? 0 : parseDuration(def.ttl),
  };
  const stream = streamLayout(repo, def);
  if (stream) layout.stream = stream;
  return layout;
}

/**
 * A view on a stream source: what serving needs to merge its tiles. Its features are viewFeatures()' columns,
 * feature-major (`f_w1, f_w2, g_w1, ...`), so column i is feature floor(i / windows) over window i % windows.
 */
function streamLayout(repo: Repo, view: FeatureView): StreamLayout | undefined {
  const source = repo.sources.find((s) => s.name === view.source);
  if (source?.type !== 'stream' || !view.aggregation) return undefined;
  const { windows, features } = view.aggregation;
  return {
    tileMicros: secondsToMicros(tileSeconds(view.aggregation)),
    kinds: features.map((f) => f.function),
    windowMicros: windows.map((w) => secondsToMicros(parseDuration(w))),
    columns: features.flatMap((_, feature) => windows.map((_w, window) => ({ feature, window }))),
    maxStalenessMs: view.freshness ? parseDuration(view.freshness.maxStaleness) * 1000 : 0,
  };
}
