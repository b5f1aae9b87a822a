/**
 * computeFeatures' writer for an offline store on object storage (the local one is compute/writer.ts): per UTC date
 * of the range, the rows go to an object under a unique key, then one manifest entry publishes it for the range
 * (manifest.ts). Older objects the range overlaps are neither rewritten nor deleted: readers clip them to the rest
 * of their range, and `featureflow offline sweep` deletes them once nothing reads them.
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { copyToParquet, type WriteOptions, type WriteResult } from '../compute/writer.js';
import { dateSlices, type DateSlice, type MicrosRange } from '../compute/range.js';
import { instantSql } from '../compute/time-sql.js';
import { SourceError, duckdbMessage } from '../errors.js';
import { ident, literal } from '../sql.js';
import type { OfflineCatalog } from './catalog.js';
import { dataUrl, entryUrl, nextVersion } from './manifest.js';

export interface ObjectWriteOptions extends Omit<WriteOptions, 'viewDir'> {
  view: string;
}

interface Published extends MicrosRange {
  file: string | null;
  rows: number;
}

export async function writeRangeObjects(conn: DuckDBConnection, catalog: OfflineCatalog, options: ObjectWriteOptions): Promise<WriteResult> {
  if (catalog.location.kind !== 's3') throw new Error('writeRangeObjects needs an object store');
  const store = catalog.location.url;
  // One writer id per call: its objects and entry are told apart from any other worker's.
  const writer = randomBytes(6).toString('hex');
  const result: WriteResult = { rowsWritten: 0, files: [] };
  // What others published while this worker computed: a range written since is superseded, not duplicated.
  await catalog.refresh();
  for (const [index, slice] of dateSlices(options.range).entries()) {
    options.onDate?.(slice, index, false);
    const published = catalog.manifestItems(options.view).filter((item) => item.date === slice.date);
    const version = nextVersion(published);
    const url = dataUrl(store, options.view, slice.date, slice, version, writer);
    const fresh = await writeFresh(conn, options, slice, url);
    await options.onStaged?.(freshSelect(options, slice), slice);
    const items: Published[] = [{ start: slice.start, end: slice.end, file: fresh > 0 ? url : null, rows: fresh }];
    await publish(conn, entryUrl(store, options.view, slice.date, version, writer), items);
    if (fresh > 0) {
      result.rowsWritten += fresh;
      result.files.push(url);
    }
    options.onDate?.(slice, index, true);
  }
  await catalog.refresh();
  return result;
}

function freshSelect(options: ObjectWriteOptions, slice: DateSlice): string {
  const ts = ident('event_timestamp');
  return `SELECT * FROM ${ident(options.table)} WHERE ${ts} >= ${instantSql(slice.start)} AND ${ts} < ${instantSql(slice.end)}`;
}

/** The range's rows, counted first so an empty range writes no object (it is published as holding no rows). */
async function writeFresh(conn: DuckDBConnection, options: ObjectWriteOptions, slice: DateSlice, url: string): Promise<number> {
  const select = freshSelect(options, slice);
  const counted = Number((await conn.runAndReadAll(`SELECT count(*) FROM (${select})`)).getRowsJS()[0]?.[0] ?? 0);
  if (counted === 0) return 0;
  return copyToParquet(conn, select, url, options.definition);
}

async function publish(conn: DuckDBConnection, url: string, items: readonly Published[]): Promise<void> {
  const rows = items
    .map((i) => `(${i.file === null ? 'NULL' : literal(i.file)}, ${i.start}::BIGINT, ${i.end}::BIGINT, ${i.rows}::BIGINT)`)
    .join(', ');
  try {
    await conn.run(`COPY (SELECT * FROM (VALUES ${rows}) AS t("file", "start", "end", "rows")) TO ${literal(url)} (FORMAT parquet)`);
  } catch (err) {
    throw new SourceError(`publishing ${url} failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
  }
}
