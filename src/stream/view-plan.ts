/**
 * What ingesting (and serving) one stream view needs to know, derived from the registry in one place: the event
 * rules the ingest loop validates with, how entity keys are encoded (as materialization encodes them, so a request's
 * key finds the tiles), the tile size and how many tiles an entity keeps, and the function of each feature.
 */
import { viewLayout } from '../online/layout.js';
import type { TileKind } from '../online/tile-codec.js';
import type { Dtype } from '../registry/dtypes.js';
import { parseDuration } from '../registry/duration.js';
import { FeatureflowError } from '../registry/errors.js';
import type { AggregationFeature, FeatureView, Repo, StreamSource } from '../registry/schema.js';
import { findStreamView } from '../registry/stream-view.js';
import { retainedTiles, secondsToMicros, tileSeconds } from '../registry/stream-tiles.js';
import type { EventRules } from './events.js';

export interface StreamViewPlan {
  project: string;
  view: FeatureView;
  source: StreamSource;
  rules: EventRules;
  /** The view's join keys in entity order, and each one's declared type (the entity's valueType). */
  joinKeys: readonly string[];
  keyTypes: readonly (Dtype | undefined)[];
  features: readonly AggregationFeature[];
  /** The function of each feature, in view.aggregation.features order (the tile field's feature index). */
  kinds: readonly TileKind[];
  tileMicros: number;
  tileMs: number;
  /** Tiles an entity keeps (the longest window, the allowed lateness and slack); older fields are pruned. */
  retainTiles: number;
  windowMicros: readonly number[];
}

/** Throws NOT_FOUND / INVALID_REQUEST (non-retryable) for a view that cannot be ingested. */
export function streamViewPlan(repo: Repo, name: string): StreamViewPlan {
  const { view, source } = findStreamView(repo, name);
  const aggregation = view.aggregation;
  // Validation refuses a stream view without one; a repo built in code without validation gets the same words.
  if (!aggregation) {
    throw new FeatureflowError('INVALID_REQUEST', `feature view "${name}" reads stream source "${source.name}" but has no aggregation to fold into tiles`);
  }
  const tileSecs = tileSeconds(aggregation);
  const windowSeconds = aggregation.windows.map((w) => parseDuration(w));
  const latenessSeconds = parseDuration(source.allowedLateness);
  const { joinKeys, keyTypes } = viewLayout(repo, view);
  return {
    project: repo.project,
    view,
    source,
    rules: { joinKeys, timestampField: source.timestampField, allowedLatenessMicros: secondsToMicros(latenessSeconds) },
    joinKeys,
    keyTypes,
    features: aggregation.features,
    kinds: aggregation.features.map((f) => f.function),
    tileMicros: secondsToMicros(tileSecs),
    tileMs: tileSecs * 1000,
    retainTiles: retainedTiles(windowSeconds, latenessSeconds, tileSecs),
    windowMicros: windowSeconds.map(secondsToMicros),
  };
}
