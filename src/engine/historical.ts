/**
 * getHistoricalFeatures: point-in-time correct training sets (SPEC section 2), Feast semantics. The requested
 * views are ASOF-joined to the entity rows one statement at a time, each step carrying the rows forward
 * (pit-join.ts); the final query sorts them back into input order. The last join is part of that query, so its
 * rows stream into the sort and the write instead of being stored first (training-set.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { resolveFeatureRefs, type ResolvedFeature } from '../registry/features.js';
import { findView } from '../registry/features.js';
import { compileOnDemand, requireOnDemandView } from '../registry/on-demand.js';
import type { EngineContext } from './context.js';
import { allowReordering } from './database.js';
import { ENTITIES, loadEntities, type EntityInput } from './entities.js';
import { InvalidRequestError, SourceError, duckdbMessage } from './errors.js';
import { applyOnDemand, checkRequestColumns, hiddenFeatures, type OnDemandRequest } from './on-demand.js';
import { combineSql, pitJoinFilteredSql, pitStepSelect, pitStepSql, type JoinedFeature, type JoinedView, type TieBreak } from './pit-join.js';
import { KEY_MISFIT } from './pit-key.js';
import { runWithProgress, type ProgressListener, type ProgressStep } from './progress.js';
import { sourcePathNote } from './sources.js';
import { ident } from './sql.js';
import { TrainingSet } from './training-set.js';
import { isStreamView, streamStepSql } from './stream-step.js';
import { viewJoinKeys, viewRows } from './view-rows.js';

export interface HistoricalOptions {
  /** Name outputs `view__feature` instead of `feature`. */
  fullFeatureNames?: boolean;
  /** Also require created time <= the entity row's time, so later backfills never leak into training rows. */
  filterByCreatedTimestamp?: boolean;
  /** Entity column holding the row's time; `event_timestamp` by default. */
  timestampColumn?: string;
  onProgress?: ProgressListener;
}

interface ViewRequest {
  view: string;
  features: JoinedFeature[];
}

/** Groups the resolved features by view (first-appearance order) and names their output columns. */
export function planViewRequests(
  resolved: readonly ResolvedFeature[],
  fullFeatureNames: boolean,
  entityColumns: ReadonlySet<string>,
): ViewRequest[] {
  const byView = new Map<string, JoinedFeature[]>();
  const owners = new Map<string, string>();
  for (const f of resolved) {
    const output = fullFeatureNames ? `${f.view}__${f.feature}` : f.feature;
    const owner = owners.get(output);
    if (owner !== undefined) {
      throw new InvalidRequestError(
        `feature name "${output}" is requested from both "${owner}" and "${f.view}"; ` +
          'ask for full feature names (--full-feature-names) to get view__feature columns',
      );
    }
    if (entityColumns.has(output)) {
      throw new InvalidRequestError(
        `feature "${f.view}:${f.feature}" would overwrite entity column "${output}"; rename the column or ask for full feature names`,
      );
    }
    owners.set(output, f.view);
    const list = byView.get(f.view) ?? [];
    list.push({ feature: f.feature, output });
    byView.set(f.view, list);
  }
  return [...byView].map(([view, features]) => ({ view, features }));
}

/**
 * Builds a training set: `entities` (file, DuckDB table or rows) joined point-in-time with the features named by
 * `refs` (`view:feature`, `view:*`, `service:NAME`). Close the returned set when done with it.
 */
export async function getHistoricalFeatures(
  ctx: EngineContext,
  entities: EntityInput,
  refs: readonly string[],
  options: HistoricalOptions = {},
): Promise<TrainingSet> {
  const request = { ...options, entities };
  const timestampColumn = options.timestampColumn ?? 'event_timestamp';
  const resolved = resolveFeatureRefs(ctx.repo, refs);
  await ctx.offline.refresh();
  const conn = await ctx.db.connect();
  try {
    return await build(ctx, conn, request, resolved, timestampColumn);
  } catch (err) {
    conn.closeSync();
    throw err;
  }
}

async function build(
  ctx: EngineContext,
  conn: DuckDBConnection,
  request: HistoricalOptions & { entities: EntityInput },
  resolved: readonly ResolvedFeature[],
  timestampColumn: string,
): Promise<TrainingSet> {
  const progress = request.onProgress;
  const entities = await loadEntities(ctx, conn, request.entities, timestampColumn);
  const planned = planViewRequests(resolved, request.fullFeatureNames ?? false, new Set(entities.columns.keys()));
  const onDemandViews = new Set(resolved.filter((f) => f.onDemand).map((f) => f.view));
  const onDemand: OnDemandRequest[] = planned
    .filter((req) => onDemandViews.has(req.view))
    .map((req) => {
      const compiled = compileOnDemand(ctx.repo, requireOnDemandView(ctx.repo, req.view));
      return { compiled, outputs: compiled.odfv.schema.map((f) => req.features.find((r) => r.feature === f.name)?.output) };
    });
  checkRequestColumns(onDemand, new Set(entities.columns.keys()));
  // Stored views in request order, then the hidden source features on-demand views read (their own joins).
  const views = planned.filter((req) => !onDemandViews.has(req.view));
  for (const [view, features] of hiddenFeatures(onDemand)) views.push({ view, features });
  // Rows carry their input position (__ff_row) and the final query sorts by it, so the joins need not keep
  // order; letting DuckDB reorder makes them parallel.
  await allowReordering(conn);
  const steps = views.length;
  // Each step reads the previous one's table and replaces it, so one joined copy of the rows is held at a time.
  let chained = ENTITIES;
  const joined: JoinedView[] = [];
  let last: LastJoin | undefined;
  for (const [index, req] of views.entries()) {
    const view = findView(ctx.repo, req.view);
    const stream = isStreamView(ctx, view);
    const rows = stream ? undefined : viewRows(ctx, view, req.features.map((f) => f.feature));
    const joinKeys = rows?.joinKeys ?? viewJoinKeys(ctx.repo, view);
    const missing = joinKeys.filter((k) => !entities.columns.has(k));
    if (missing.length > 0) {
      throw new InvalidRequestError(
        `feature view "${view.name}" joins on ${joinKeys.join(', ')}, but the entity rows have no ` +
          `${missing.map((m) => `"${m}"`).join(', ')} column (columns: ${[...entities.columns.keys()].join(', ')})`,
      );
    }
    const table = `__ff_join_${index}`;
    const label = { step: index + 1, steps, label: `joining ${view.name}` };
    if (!rows) {
      // A stream view: the tiles' answer at each row's time, computed from its batch source (stream-step.ts).
      try {
        await runWithProgress(conn, streamStepSql(ctx, table, view, req.features, timestampColumn), label, progress);
      } catch (err) {
        throw new SourceError(`computing stream view "${view.name}" from its batch source failed: ${duckdbMessage(err)}`, { cause: err });
      }
      joined.push({ table, outputs: req.features.map((f) => f.output) });
      continue;
    }
    const failed = (err: unknown): SourceError =>
      new SourceError(
        `joining feature view "${view.name}" (${readsFrom(ctx, view)}keys ${rows.joinKeys.join(', ')}) failed: ${duckdbMessage(err)}`,
        { cause: err },
      );
    const outputs = req.features.map((f) => f.output);
    if (request.filterByCreatedTimestamp === true && rows.hasCreated) {
      try {
        await runWithProgress(conn, pitJoinFilteredSql(table, rows, req.features, timestampColumn), label, progress);
      } catch (err) {
        throw failed(err);
      }
      joined.push({ table, outputs });
      continue;
    }
    const step = { rows, features: req.features, timestampColumn, nullTimes: entities.nullTimes };
    const source = chained;
    const store = async (): Promise<string> => {
      try {
        await runStep(conn, (tie) => pitStepSql(table, source, step, tie), label, progress);
      } catch (err) {
        throw failed(err);
      }
      return ident(table);
    };
    joined.push({ chained: true, outputs });
    if (index === views.length - 1 && onDemand.length === 0) {
      // The last join runs inside the set's query, streaming into its sort and write (training-set.ts).
      last = { select: `(${pitStepSelect(ident(source), step, 'packed')})`, label, store };
      continue;
    }
    await store();
    if (chained !== ENTITIES) await conn.run(`DROP TABLE ${ident(chained)}`);
    chained = table;
  }
  const entityColumns = [...entities.columns.keys()];
  if (onDemand.length === 0) {
    const columns = [...entityColumns, ...joined.flatMap((j) => j.outputs)];
    const query = (from: string): string => combineSql(from, entityColumns, joined);
    if (last === undefined) return new TrainingSet(conn, query(ident(chained)), columns, entities.rowCount);
    return deferLastJoin(conn, last, query, columns, entities.rowCount, progress);
  }
  // applyOnDemand reads each view's outputs from a table keyed by __ff_row: the chained rows are one.
  const joins = joined.map((j) => ({ table: 'table' in j ? j.table : chained, outputs: j.outputs }));
  let joinIndex = 0;
  let odIndex = 0;
  const order = planned.map((req) => (onDemandViews.has(req.view) ? { onDemand: odIndex++ } : { join: joinIndex++ }));
  const { sql, columns } = await applyOnDemand(conn, joins, entityColumns, onDemand, order);
  return new TrainingSet(conn, sql, columns, entities.rowCount);
}

interface LastJoin {
  /** The step's SELECT, parenthesised. */
  select: string;
  label: ProgressStep;
  /** Runs the step as its own statement (failing as the others do); returns the stored table, quoted. */
  store: () => Promise<string>;
}

/**
 * The set with its last join left inside its query (training-set.ts). The query is bound here, so a source that
 * cannot be read, or lacks a column, fails getHistoricalFeatures as a stored join would: should the query not bind,
 * the join is stored now and reports its own failure.
 */
async function deferLastJoin(
  conn: DuckDBConnection,
  last: LastJoin,
  query: (from: string) => string,
  columns: readonly string[],
  rowCount: number,
  listener: ProgressListener | undefined,
): Promise<TrainingSet> {
  const sql = query(last.select);
  try {
    (await conn.prepare(sql)).destroySync();
  } catch {
    return new TrainingSet(conn, query(await last.store()), columns, rowCount);
  }
  return new TrainingSet(conn, sql, columns, rowCount, { step: last.label, listener, store: async () => query(await last.store()) });
}

/** A chained step with the packed tie-break key, or with the struct when the view's times do not fit one. */
async function runStep(
  conn: DuckDBConnection,
  sql: (tie: TieBreak) => string,
  step: ProgressStep,
  progress: ProgressListener | undefined,
): Promise<void> {
  try {
    await runWithProgress(conn, sql('packed'), step, progress);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.includes(KEY_MISFIT)) throw err;
    await runWithProgress(conn, sql('struct'), step, progress);
  }
}

export { ENTITIES };

/** `source "s" (file data/x.csv), ` for a plain view, whose rows come straight from its source. */
function readsFrom(ctx: EngineContext, view: { source: string; transform?: unknown; aggregation?: unknown }): string {
  return view.transform || view.aggregation ? '' : `source "${view.source}"${sourcePathNote(ctx, view.source)}, `;
}
