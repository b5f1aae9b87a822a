/**
 * computeFeatures: writes a computed view's offline rows for [start, end) (SPEC section 1 and section 5's
 * computeFeatures workflow). Rows are computed into a temp table on one connection, then written per UTC date by
 * writer.ts, which replaces exactly the range's rows, so a retry or a rerun over the same or an overlapping range
 * never duplicates a row.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseDuration } from '../../registry/duration.js';
import { findView } from '../../registry/features.js';
import type { FeatureView } from '../../registry/schema.js';
import type { EngineContext } from '../context.js';
import { allowReordering } from '../database.js';
import { InvalidRequestError, SourceError, duckdbMessage } from '../errors.js';
import { runWithProgress, type ProgressListener } from '../progress.js';
import { isComputedView } from '../view-rows.js';
import { aggregationSql, OUTPUT } from './aggregation-sql.js';
import { checkAggregations, computeInput, type ComputeInput } from './checks.js';
import { definitionFingerprint } from './definition.js';
import { computedViewDir } from './layout.js';
import { writeRangeObjects } from '../offline/object-writer.js';
import { checkedRange, dateSlices, MICROS_PER_SECOND, type DateSlice, type MicrosRange } from './range.js';
import { recordPartitionStats } from '../stats/store.js';
import { transformSql } from './transform-sql.js';
import { computedViewGate } from './validation-gate.js';
import { writeRangeFiles } from './writer.js';
import type { RuleResult } from '../validation/types.js';

export interface ComputeOptions {
  /** Progress of each step (DuckDB's own estimate while a statement runs, polled every 250 ms). */
  onProgress?: ProgressListener;
}

export interface ComputeResult {
  view: string;
  start: Date;
  end: Date;
  /** Rows now stored for [start, end). */
  rowsWritten: number;
  /** The files holding them, one per UTC date that has rows. */
  files: string[];
  /** Failed `warn` validation rules, per date they failed on (a failed `block` rule throws VALIDATION_FAILED). */
  validationWarnings?: RuleResult[];
}

export { computedViewDir, computedViewGlob, hasRowFiles } from './layout.js';
export { dtypeOfDuckdbType } from './dtypes.js';

export async function computeFeatures(
  ctx: EngineContext,
  viewName: string,
  start: Date,
  end: Date,
  options: ComputeOptions = {},
): Promise<ComputeResult> {
  const view = findView(ctx.repo, viewName);
  if (!isComputedView(view)) {
    throw new InvalidRequestError(
      `view "${view.name}" is not computed (it declares neither a transform nor an aggregation): ` +
        `its rows are read straight from source "${view.source}"`,
    );
  }
  const range = checkedRange(view.name, start, end);
  const dates = dateSlices(range);
  // Push sources' files and, on object storage, what other writers published since.
  await ctx.offline.refresh();
  const statements = view.aggregation ? 2 : 1;
  const steps = statements + dates.length;
  const conn = await ctx.db.connect();
  try {
    // Row order within a file carries no meaning; letting DuckDB reorder makes every step parallel.
    await allowReordering(conn);
    const input = await computeInput(ctx, conn, view);
    const sql = view.aggregation ? await aggregationStatements(conn, view, input, range) : [transformSql(view, input, range)];
    const labels = view.aggregation ? ['aggregating events into buckets', 'windowing'] : ['transforming'];
    for (const [i, statement] of sql.entries()) {
      const step = { step: i + 1, steps, label: `${view.name}: ${labels[i]}` };
      try {
        await runWithProgress(conn, statement, step, options.onProgress);
      } catch (err) {
        const message = duckdbMessage(err);
        throw new SourceError(`computing view "${view.name}" failed: ${message}`, {
          cause: err,
          retryable: /^(IO|HTTP|Out of Memory) Error/.test(message),
        });
      }
    }
    const dateStarted: number[] = [];
    const onDate = (slice: DateSlice, index: number, done: boolean): void => {
      if (!done) dateStarted[index] = performance.now();
      options.onProgress?.({
        step: statements + index + 1,
        steps,
        label: `${view.name}: writing date=${slice.date}`,
        percent: done ? 100 : undefined,
        done,
        elapsedMs: performance.now() - (dateStarted[index] ?? 0),
      });
    };
    // Each date's statistics come from the rows just computed, stored before the date is published.
    const onStaged = async (select: string, slice: DateSlice): Promise<void> => void (await recordPartitionStats(ctx, conn, view.name, select, slice));
    const warnings: RuleResult[] = [];
    const gate = computedViewGate(ctx, view, warnings);
    const write = { table: OUTPUT, range, definition: definitionFingerprint(ctx.repo, view), onDate, onStaged, ...(gate ? { gate } : {}) };
    const written =
      ctx.offline.location.kind === 's3'
        ? await writeRangeObjects(conn, ctx.offline, { ...write, view: view.name })
        : await writeRangeFiles(conn, { ...write, viewDir: computedViewDir(ctx, view.name) });
    return { view: view.name, start, end, ...written, ...(warnings.length ? { validationWarnings: warnings } : {}) };
  } finally {
    conn.closeSync();
  }
}

async function aggregationStatements(
  conn: DuckDBConnection,
  view: FeatureView,
  input: ComputeInput,
  range: MicrosRange,
): Promise<string[]> {
  const aggregation = view.aggregation;
  if (!aggregation) throw new Error('aggregationStatements needs an aggregation view');
  await checkAggregations(conn, view, input);
  const micros = (d: string | number): number => parseDuration(d) * MICROS_PER_SECOND;
  const windowMicros = aggregation.windows.map(micros);
  const cadenceMicros = micros(aggregation.cadence);
  // The registry's validation rejects these too; checked here because a repo object can skip validation.
  if (cadenceMicros <= 0 || windowMicros.some((w) => w <= 0)) {
    throw new InvalidRequestError(`view "${view.name}": the cadence and every window must be longer than 0`);
  }
  const sql = aggregationSql({
    input,
    features: aggregation.features,
    windows: aggregation.windows,
    windowMicros,
    cadenceMicros,
    range,
  });
  return [sql.partials, sql.output];
}
