/**
 * The rows of a feature view in one normalised shape: join keys, `__ff_ts` (event time), `__ff_created` (created
 * time or NULL) and the requested features cast to their declared dtypes, so joins never depend on how a source
 * happens to type its columns.
 */
import { parseDuration } from '../registry/duration.js';
import { viewFeatures } from '../registry/features.js';
import type { FeatureView, Repo } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import { InvalidRequestError } from './errors.js';
import { instantSql } from './compute/time-sql.js';
import { computedViewPlace } from './offline/catalog.js';
import { findSource, sourceRelation } from './sources.js';
import { ident, literalList } from './sql.js';
import { duckdbType } from './types.js';

export const TS = '__ff_ts';
export const CREATED = '__ff_created';

export interface ViewRows {
  view: FeatureView;
  /** SQL relation with columns: join keys, __ff_ts, __ff_created, features. */
  relation: string;
  joinKeys: string[];
  hasCreated: boolean;
  /** 0 means no age limit. */
  ttlSeconds: number;
}

/** Join keys of a view: the keys of its entities, in declaration order. */
export function viewJoinKeys(repo: Repo, view: FeatureView): string[] {
  return view.entities.flatMap((name) => repo.entities.find((e) => e.name === name)?.joinKeys ?? []);
}

export function isComputedView(view: FeatureView): boolean {
  return view.aggregation !== undefined || view.transform !== undefined;
}

/**
 * The rows computeFeatures wrote for a view. Their date folders are not read as a column (hive_partitioning off),
 * and files written by an older definition of the view are matched by column name: a feature they lack reads as
 * NULL instead of failing the read.
 */
function computedRowsRelation(ctx: EngineContext, view: FeatureView): string {
  const files = ctx.offline.computedFiles(view.name);
  if (!files) {
    throw new InvalidRequestError(
      `feature view "${view.name}" is computed and has no offline rows yet (nothing under ${computedViewPlace(ctx.offline.location, view.name)}): ` +
        'compute or backfill it first (computeFeatures or the backfill workflow)',
    );
  }
  const read = (list: readonly string[]): string => `read_parquet(${literalList(list)}, hive_partitioning = false, union_by_name = true)`;
  const whole = files.filter((f) => f.parts === undefined).map((f) => f.file);
  // An object a newer write covers in part is read only in the rest of its range (object stores, offline/manifest.ts).
  const ts = ident('event_timestamp');
  const clipped = files.flatMap((f) => {
    if (f.parts === undefined) return [];
    const where = f.parts.map((p) => `(${ts} >= ${instantSql(p.start)} AND ${ts} < ${instantSql(p.end)})`).join(' OR ');
    return [`SELECT * FROM ${read([f.file])} WHERE ${where}`];
  });
  if (clipped.length === 0) return read(whole);
  const selects = [...(whole.length > 0 ? [`SELECT * FROM ${read(whole)}`] : []), ...clipped];
  return `(${selects.join(' UNION ALL BY NAME ')})`;
}

export function viewRows(ctx: EngineContext, view: FeatureView, features: readonly string[]): ViewRows {
  const joinKeys = viewJoinKeys(ctx.repo, view);
  const declared = new Map(viewFeatures(view).map((f) => [f.name, f.dtype]));
  const featureColumns = features.map((name) => {
    const dtype = declared.get(name);
    return dtype ? `CAST(${ident(name)} AS ${duckdbType(dtype)}) AS ${ident(name)}` : ident(name);
  });
  let base: string;
  let tsField: string;
  let createdField: string | undefined;
  if (isComputedView(view)) {
    // Computed views are read from what computeFeatures wrote, never recomputed on the fly, so training data
    // matches what was materialized.
    base = computedRowsRelation(ctx, view);
    tsField = 'event_timestamp';
    createdField = undefined;
  } else {
    const source = findSource(ctx, view.source);
    base = sourceRelation(ctx, view.source);
    tsField = source.timestampField;
    createdField = source.createdTimestampField;
  }
  const columns = [
    ...joinKeys.map(ident),
    `CAST(${ident(tsField)} AS TIMESTAMPTZ) AS ${TS}`,
    createdField ? `CAST(${ident(createdField)} AS TIMESTAMPTZ) AS ${CREATED}` : `NULL::TIMESTAMPTZ AS ${CREATED}`,
    ...featureColumns,
  ];
  return {
    view,
    relation: `(SELECT ${columns.join(', ')} FROM ${base})`,
    joinKeys,
    hasCreated: createdField !== undefined,
    ttlSeconds: view.ttl === undefined ? 0 : parseDuration(view.ttl),
  };
}

export function assertViewHasFeatures(view: FeatureView, features: readonly string[]): void {
  const known = new Set(viewFeatures(view).map((f) => f.name));
  const missing = features.filter((f) => !known.has(f));
  if (missing.length > 0) throw new InvalidRequestError(`view "${view.name}" has no feature ${missing.join(', ')}`);
}
