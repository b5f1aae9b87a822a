/**
 * Checks a computed view against its data before any work starts, so a typo in a column or filter fails in
 * milliseconds with the view and feature named, not after minutes of scanning with DuckDB's bare binder message.
 * DuckDB only binds (DESCRIBE), it reads no rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AggregationFeature, FeatureView } from '../../registry/schema.js';
import type { EngineContext } from '../context.js';
import { columnList } from '../../registry/source-columns.js';
import { InvalidRequestError, SourceError, duckdbMessage, sourceReadProblem } from '../errors.js';
import { checkViewSql } from '../repo-sql.js';
import { asSubquery } from '../sql-guard.js';
import { describeRelation, findSource, sourcePathNote, sourceRelation, transformQuery } from '../sources.js';
import { expression } from '../sql.js';
import { viewJoinKeys } from '../view-rows.js';

/** What a computation reads: a relation (source or transform query) with its columns and time fields. */
export interface ComputeInput {
  relation: string;
  columns: Map<string, string>;
  joinKeys: string[];
  timestampField: string;
  createdField: string | undefined;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;

async function describeOrFail(conn: DuckDBConnection, relation: string, what: string): Promise<Map<string, string>> {
  try {
    return await describeRelation(conn, relation);
  } catch (err) {
    throw new SourceError(`cannot read ${what}: ${sourceReadProblem(err)}`, { cause: err });
  }
}

function requireColumns(columns: Map<string, string>, wanted: readonly string[], what: string): void {
  const missing = wanted.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new InvalidRequestError(
      `${what} has no column ${missing.map((m) => `"${m}"`).join(', ')} (columns: ${columnList(columns.keys())})`,
    );
  }
}

/** The relation a view computes from: its source, or its transform query with `{source}` expanded. */
export async function computeInput(ctx: EngineContext, conn: DuckDBConnection, view: FeatureView): Promise<ComputeInput> {
  const source = findSource(ctx, view.source);
  // Checked when the engine opened; again here because this is the SQL about to run.
  await checkViewSql(ctx, view);
  const sourceRel = sourceRelation(ctx, view.source);
  const joinKeys = viewJoinKeys(ctx.repo, view);
  const sourceColumns = await describeOrFail(conn, sourceRel, `source "${source.name}"${sourcePathNote(ctx, source.name)} of view "${view.name}"`);
  if (view.transform) {
    // The source reads fine (checked above), so a failure here is the transform's own.
    const relation = asSubquery(transformQuery(view.transform.sql, sourceRel));
    let columns: Map<string, string>;
    try {
      columns = await describeRelation(conn, relation);
    } catch (err) {
      throw new InvalidRequestError(`view "${view.name}": the transform SQL fails: ${duckdbMessage(err)}`, { cause: err });
    }
    const schema = (view.schema ?? []).map((f) => f.name);
    requireColumns(columns, [...joinKeys, source.timestampField, ...schema], `view "${view.name}": the transform's output`);
    return { relation, columns, joinKeys, timestampField: source.timestampField, createdField: undefined };
  }
  const created = source.createdTimestampField;
  requireColumns(sourceColumns, [...joinKeys, source.timestampField, ...(created ? [created] : [])], `source "${source.name}"`);
  return { relation: sourceRel, columns: sourceColumns, joinKeys, timestampField: source.timestampField, createdField: created };
}

/**
 * Binds every aggregation's column and filter against the source and returns each feature's value type (the
 * column's type; BIGINT for a count without a column).
 */
export async function checkAggregations(
  conn: DuckDBConnection,
  view: FeatureView,
  input: ComputeInput,
): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  for (const f of view.aggregation?.features ?? []) {
    types.set(f.name, await checkFeature(conn, view.name, f, input));
  }
  return types;
}

async function checkFeature(conn: DuckDBConnection, viewName: string, f: AggregationFeature, input: ComputeInput): Promise<string> {
  const what = `view "${viewName}", aggregation "${f.name}"`;
  if (f.column === undefined && f.function !== 'count') {
    throw new InvalidRequestError(`${what}: function "${f.function}" needs a column (only count may omit it)`);
  }
  const parts = [
    ...(f.column ? [`${expression(f.column)} AS v`] : []),
    ...(f.filter ? [`${expression(f.filter)} AS f`] : []),
  ];
  if (parts.length === 0) return 'BIGINT';
  let described: Map<string, string>;
  try {
    described = await describeRelation(conn, `(SELECT ${parts.join(', ')} FROM ${input.relation})`);
  } catch (err) {
    const which = [f.column && `column ${JSON.stringify(f.column)}`, f.filter && `filter ${JSON.stringify(f.filter)}`]
      .filter(Boolean)
      .join(' or ');
    throw new InvalidRequestError(
      `${what}: ${which} is not valid over the source (columns: ${columnList(input.columns.keys())}): ${duckdbMessage(err)}`,
      { cause: err },
    );
  }
  const filterType = described.get('f');
  if (filterType !== undefined && filterType !== 'BOOLEAN' && filterType !== '"NULL"') {
    throw new InvalidRequestError(`${what}: filter ${JSON.stringify(f.filter)} is ${filterType}, not a boolean expression`);
  }
  const valueType = described.get('v') ?? 'BIGINT';
  if ((f.function === 'sum' || f.function === 'avg' || f.function === 'stddev') && !NUMERIC.test(valueType)) {
    throw new InvalidRequestError(
      `${what}: ${f.function} needs a numeric column, but ${JSON.stringify(f.column)} is ${valueType} (CAST it in the column expression)`,
    );
  }
  return valueType;
}
