/**
 * Appends pushed rows to a push source's offline data as one new Parquet file (layout and crash safety in
 * pushed-files.ts). Rows arrive validated and typed (int64 as bigint, timestamps as `{ micros }`, bytes as
 * Uint8Array, lists as arrays); DuckDB's appender puts them in a temp table typed by the declared dtypes, and COPY
 * writes the file, so the Parquet types are exactly what the engine reads back.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { blobValue, DuckDBTimestampTZValue, listValue, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { elementDtype, isListDtype, type Dtype, type ScalarDtype } from '../registry/dtypes.js';
import type { EngineContext } from './context.js';
import { duckdbMessage, SourceError } from './errors.js';
import { offlinePath } from './offline/location.js';
import { newPushedFileName, PUSHED_FOLDER, pushedTempPath } from './pushed-files.js';
import { ident, literal } from './sql.js';
import { duckdbType } from './types.js';

export interface PushedColumn {
  name: string;
  dtype: Dtype;
}

const TABLE = 'ff_pushed_rows';

function scalarValue(value: unknown, dtype: ScalarDtype): DuckDBValue {
  switch (dtype) {
    case 'int64':
      return BigInt(value as bigint | number);
    case 'timestamp':
      return new DuckDBTimestampTZValue((value as { micros: bigint }).micros);
    case 'bytes':
      return blobValue(value as Uint8Array);
    default:
      return value as number | string | boolean;
  }
}

function duckValue(value: unknown, dtype: Dtype): DuckDBValue {
  if (value === null || value === undefined) return null;
  if (!isListDtype(dtype)) return scalarValue(value, dtype);
  const element = elementDtype(dtype);
  return listValue((value as unknown[]).map((v) => (v === null || v === undefined ? null : scalarValue(v, element))));
}

function appendAll(appender: DuckDBAppender, columns: readonly PushedColumn[], rows: readonly (readonly unknown[])[]): void {
  const types = columns.map((_, i) => appender.columnType(i));
  for (const row of rows) {
    columns.forEach((column, i) => {
      const value = duckValue(row[i], column.dtype);
      if (value === null) appender.appendNull();
      else appender.appendValue(value, types[i]);
    });
    appender.endRow();
  }
  appender.flushSync();
}

/** fsync a file or folder: the rename is only durable once the folder entry is on disk too. */
async function syncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `rows` (values in `columns` order) as a new file of push source `source` and returns its path. Nothing is
 * visible until the final rename; a failure before it leaves no file behind.
 */
export async function appendPushedRows(
  ctx: EngineContext,
  source: string,
  columns: readonly PushedColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<string> {
  return writeOfflineFile(ctx, [PUSHED_FOLDER, source], newPushedFileName(), `pushed rows to source "${source}"`, async (conn, target) => {
    const defs = columns.map((c) => `${ident(c.name)} ${duckdbType(c.dtype)}`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(TABLE)} (${defs})`);
    try {
      const appender = await conn.createAppender(TABLE, 'main', 'temp');
      try {
        appendAll(appender, columns, rows);
      } finally {
        appender.closeSync();
      }
      await conn.run(`COPY ${ident(TABLE)} TO ${literal(target)} (FORMAT parquet)`);
    } finally {
      await conn.run(`DROP TABLE IF EXISTS ${ident(TABLE)}`);
    }
  });
}

/**
 * Makes the new file `name` in the folder `folder` (path parts under the offline store) with `write`, which writes
 * it to the path it is given, and returns its path: temp name, fsync and rename on a local folder; straight to its
 * unique key on object storage, where an upload appears whole or not at all. `what` names the rows in errors.
 */
export async function writeOfflineFile(
  ctx: EngineContext,
  folder: readonly string[],
  name: string,
  what: string,
  write: (conn: DuckDBConnection, target: string) => Promise<void>,
): Promise<string> {
  const location = ctx.offline.location;
  const dir = offlinePath(location, ...folder);
  if (location.kind === 'local') await mkdir(dir, { recursive: true });
  const final = location.kind === 's3' ? `${dir}/${name}` : path.join(dir, name);
  const temp = location.kind === 's3' ? final : pushedTempPath(final);
  try {
    await ctx.db.withConnection((conn) => write(conn, temp));
    if (location.kind === 's3') return final;
    await syncPath(temp);
    await rename(temp, final);
    await syncPath(dir);
    return final;
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`appending ${what} failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
  } finally {
    if (location.kind === 'local') await rm(temp, { force: true });
  }
}
