/**
 * The raw values of numeric features over a time range, sorted, for the exact KS test: one DuckDB scan of the
 * view's rows per range, whatever the number of features.
 */
import type { FeatureView } from '../../registry/schema.js';
import type { EngineContext } from '../context.js';
import { instantSql } from '../compute/time-sql.js';
import { SourceError, duckdbMessage } from '../errors.js';
import { ident } from '../sql.js';
import { TS, viewRows } from '../view-rows.js';

export interface TimeRange {
  start: Date;
  end: Date;
}

/**
 * Values of each feature in [start, end), sorted; nulls, NaN and infinities left out, as the sketches leave them out,
 * so the exact and the sketch KS test see the same values.
 */
export async function readSortedValues(
  ctx: EngineContext,
  view: FeatureView,
  features: readonly string[],
  range: TimeRange,
): Promise<Map<string, Float64Array>> {
  if (features.length === 0) return new Map();
  const rows = viewRows(ctx, view, features);
  const lists = features.map((f, i) => {
    const x = `CAST(${ident(f)} AS DOUBLE)`;
    return `coalesce(list(${x} ORDER BY ${x}) FILTER (WHERE isfinite(${x})), []) AS ${ident(`v${i}`)}`;
  });
  const where = `${TS} >= ${instantSql(range.start.getTime() * 1000)} AND ${TS} < ${instantSql(range.end.getTime() * 1000)}`;
  const sql = `SELECT ${lists.join(', ')} FROM ${rows.relation} WHERE ${where}`;
  const row = await ctx.db
    .withConnection(async (conn) => (await conn.runAndReadAll(sql)).getRowsJS()[0])
    .catch((err: unknown) => {
      throw new SourceError(`reading the values of view "${view.name}" for the KS test failed: ${duckdbMessage(err)}`, { cause: err });
    });
  const out = new Map<string, Float64Array>();
  features.forEach((f, i) => {
    const values = row?.[i];
    out.set(f, Float64Array.from(Array.isArray(values) ? (values as number[]) : []));
  });
  return out;
}
