/**
 * In-memory entity rows (an array of objects) into a DuckDB temp table through the appender: column types are
 * inferred from the values, and a value that does not fit its column is reported with its row and column.
 */
import { DuckDBTimestampTZValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { InvalidRequestError } from './errors.js';
import { ident } from './sql.js';

type ColumnKind = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'TIMESTAMPTZ' | 'BLOB';

function kindOf(value: unknown): ColumnKind | 'NULL' | undefined {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'bigint') return 'BIGINT';
  if (typeof value === 'number') return Number.isInteger(value) ? 'BIGINT' : 'DOUBLE';
  if (typeof value === 'string') return 'VARCHAR';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (value instanceof Date) return 'TIMESTAMPTZ';
  if (value instanceof Uint8Array) return 'BLOB';
  return undefined;
}

function inferColumn(rows: ReadonlyArray<Record<string, unknown>>, column: string): ColumnKind {
  let kind: ColumnKind | undefined;
  rows.forEach((row, index) => {
    const k = kindOf(row[column]);
    if (k === undefined) {
      throw new InvalidRequestError(`entities[${index}].${column}: unsupported value ${String(row[column])}`);
    }
    if (k === 'NULL') return;
    if (kind === undefined || kind === k) kind = k;
    else if ((kind === 'BIGINT' && k === 'DOUBLE') || (kind === 'DOUBLE' && k === 'BIGINT')) kind = 'DOUBLE';
    // Dates mixed with ISO strings: keep text (Dates as ISO) and let DuckDB parse both the same way.
    else if ((kind === 'VARCHAR' && k === 'TIMESTAMPTZ') || (kind === 'TIMESTAMPTZ' && k === 'VARCHAR')) kind = 'VARCHAR';
    else {
      throw new InvalidRequestError(
        `entities[${index}].${column}: ${k} value where earlier rows hold ${kind}; a column needs one type`,
      );
    }
  });
  return kind ?? 'VARCHAR';
}

function append(appender: DuckDBAppender, kind: ColumnKind, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  switch (kind) {
    case 'BIGINT':
      return appender.appendBigInt(BigInt(value as number | bigint));
    case 'DOUBLE':
      return appender.appendDouble(Number(value));
    case 'VARCHAR':
      return appender.appendVarchar(value instanceof Date ? value.toISOString() : (value as string));
    case 'BOOLEAN':
      return appender.appendBoolean(value as boolean);
    case 'TIMESTAMPTZ':
      return appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt((value as Date).getTime()) * 1000n));
    case 'BLOB':
      return appender.appendBlob(value as Uint8Array);
  }
}

/** Creates temp table `table` holding `rows`; columns are the union of the rows' keys in first-seen order. */
export async function appendRows(
  conn: DuckDBConnection,
  table: string,
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  if (rows.length === 0) throw new InvalidRequestError('the entity rows are empty');
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const kinds = columns.map((c) => inferColumn(rows, c));
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${ident(table)} (${columns.map((c, i) => `${ident(c)} ${kinds[i]}`).join(', ')})`,
  );
  const appender = await conn.createAppender(table, 'main', 'temp');
  try {
    for (const row of rows) {
      columns.forEach((c, i) => append(appender, kinds[i] as ColumnKind, row[c]));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
