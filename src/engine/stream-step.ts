/**
 * A stream view in a training set: its features are computed from the stream source's batch source at each entity
 * row's time, over the same tiles serving merges (stream-training.ts), into a temp table keyed by __ff_row that the
 * final query joins like any other view's outputs. Never read from computed rows: what serving answers is the tiles,
 * so training computes the tiles' answer.
 */
import { parseDuration } from '../registry/duration.js';
import { aggregationColumnName } from '../registry/features.js';
import type { FeatureView } from '../registry/schema.js';
import { streamSourceOf } from '../registry/stream-view.js';
import { secondsToMicros, tileSeconds } from '../registry/stream-tiles.js';
import type { EngineContext } from './context.js';
import { ENTITIES, ROW } from './entities.js';
import type { JoinedFeature } from './pit-join.js';
import { sourceRelation } from './sources.js';
import { ident } from './sql.js';
import { streamTrainingSql } from './stream-training.js';
import { viewJoinKeys } from './view-rows.js';

export function isStreamView(ctx: EngineContext, view: FeatureView): boolean {
  return streamSourceOf(ctx.repo, view) !== undefined;
}

/** CREATE TEMP TABLE `target` (__ff_row, the requested outputs) for a stream view. */
export function streamStepSql(
  ctx: EngineContext,
  target: string,
  view: FeatureView,
  features: readonly JoinedFeature[],
  timestampColumn: string,
): string {
  const source = streamSourceOf(ctx.repo, view);
  const aggregation = view.aggregation;
  if (!source || !aggregation) throw new Error(`feature view "${view.name}" is not a stream view`);
  const wanted = new Set(features.map((f) => f.feature));
  // Only the aggregation features some requested column comes from; each yields one column per window.
  const used = aggregation.features.filter((f) => aggregation.windows.some((w) => wanted.has(aggregationColumnName(f.name, w))));
  const inner = streamTrainingSql({
    rows: ENTITIES,
    timeColumn: timestampColumn,
    events: sourceRelation(ctx, source.name),
    joinKeys: viewJoinKeys(ctx.repo, view),
    timestampField: source.timestampField,
    features: used,
    windows: aggregation.windows,
    windowMicros: aggregation.windows.map((w) => secondsToMicros(parseDuration(w))),
    tileMicros: secondsToMicros(tileSeconds(aggregation)),
  });
  const columns = features.map((f) => `${ident(f.feature)} AS ${ident(f.output)}`);
  return `CREATE OR REPLACE TEMP TABLE ${ident(target)} AS SELECT ${ROW}, ${columns.join(', ')} FROM (${inner}) __ff_stream`;
}
