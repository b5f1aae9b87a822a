/**
 * Loads the entity table of a training-set request into temp table `__ff_entities`, numbering rows so the output
 * keeps input order, and normalising the event timestamp to a UTC instant whatever zone (or none) the input used.
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EngineContext } from './context.js';
import { appendRows } from './entity-rows.js';
import { InvalidRequestError, duckdbMessage } from './errors.js';
import { describeRelation, fileFormatOf, fileRelation, tableRelation } from './sources.js';
import { ident, literal } from './sql.js';

/** Where the entity rows come from: a Parquet/CSV file (or glob), a DuckDB table, or rows in memory. */
export type EntityInput =
  | { path: string; format?: 'csv' | 'parquet' }
  | { table: string }
  | { rows: ReadonlyArray<Record<string, unknown>> };

export const ENTITIES = '__ff_entities';
export const ROW = '__ff_row';
const ROWS_TABLE = '__ff_entity_rows';
const FILE_ROW = 'file_row_number';

export interface LoadedEntities {
  /** Input columns in input order, with their DuckDB types. */
  columns: Map<string, string>;
  rowCount: number;
  /** Whether some row has a NULL time (such a row gets no features; the joins check for it only when one does). */
  nullTimes: boolean;
}

const TIMESTAMP_TYPES = /^(TIMESTAMP|DATE|VARCHAR)/;

async function inputRelation(ctx: EngineContext, conn: DuckDBConnection, input: EntityInput): Promise<string> {
  if ('rows' in input) {
    await appendRows(conn, ROWS_TABLE, input.rows);
    return ident(ROWS_TABLE);
  }
  if ('table' in input) return tableRelation(ctx, input.table);
  return fileRelation(path.resolve(input.path), input.format);
}

/** Paths DuckDB expands to several files. */
const GLOB = /[*?[{]/;

/**
 * The input rows with their position (__ff_row) and the time as TIMESTAMPTZ. A single Parquet file numbers its own
 * rows (file_row_number), which DuckDB reads in parallel: half the time of a window at 1M rows. Anything else is
 * numbered by row_number() over an unordered window, which follows the scan order DuckDB keeps
 * (preserve_insertion_order).
 */
function numberedRows(input: EntityInput, relation: string, columns: ReadonlyMap<string, string>, ts: string): string {
  const time = `REPLACE (CAST(${ts} AS TIMESTAMPTZ) AS ${ts})`;
  if ('path' in input && fileFormatOf(input.path, input.format) === 'parquet' && !GLOB.test(input.path) && !columns.has(FILE_ROW)) {
    const numbered = `read_parquet(${literal(path.resolve(input.path))}, file_row_number = true)`;
    return `SELECT ${FILE_ROW} + 1 AS ${ROW}, * EXCLUDE (${FILE_ROW}) ${time} FROM ${numbered}`;
  }
  return `SELECT row_number() OVER () AS ${ROW}, * ${time} FROM ${relation}`;
}

function describeInput(input: EntityInput): string {
  if ('rows' in input) return 'the entity rows';
  if ('table' in input) return `entity table "${input.table}"`;
  return `entity file ${input.path}`;
}

export async function loadEntities(
  ctx: EngineContext,
  conn: DuckDBConnection,
  input: EntityInput,
  timestampColumn: string,
): Promise<LoadedEntities> {
  const what = describeInput(input);
  let columns: Map<string, string>;
  let relation: string;
  try {
    relation = await inputRelation(ctx, conn, input);
    columns = await describeRelation(conn, relation);
  } catch (err) {
    if (err instanceof InvalidRequestError) throw err;
    throw new InvalidRequestError(`cannot read ${what}: ${duckdbMessage(err)}`, { cause: err });
  }
  const tsType = columns.get(timestampColumn);
  if (tsType === undefined) {
    throw new InvalidRequestError(
      `${what} has no "${timestampColumn}" column (columns: ${[...columns.keys()].join(', ')})`,
    );
  }
  if (!TIMESTAMP_TYPES.test(tsType)) {
    throw new InvalidRequestError(
      `${what}: column "${timestampColumn}" is ${tsType}; it must be a timestamp, a date or an ISO-8601 string`,
    );
  }
  const reserved = [...columns.keys()].filter((c) => c.startsWith('__ff_'));
  if (reserved.length > 0) throw new InvalidRequestError(`${what}: column names starting with __ff_ are reserved`);
  const ts = ident(timestampColumn);
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${ENTITIES} AS ${numberedRows(input, relation, columns, ts)}`);
  } catch (err) {
    throw new InvalidRequestError(
      `${what}: column "${timestampColumn}" holds a value that is not a timestamp: ${duckdbMessage(err)}`,
      { cause: err },
    );
  }
  const count = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(${ts})::BIGINT AS timed FROM ${ENTITIES}`);
  const [rows, timed] = (count.getRowsJS()[0] ?? [0, 0]).map(Number);
  return { columns, rowCount: rows ?? 0, nullTimes: timed !== rows };
}
