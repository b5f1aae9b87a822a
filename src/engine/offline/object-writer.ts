/**
 * computeFeatures' writer for an offline store on object storage (the local one is compute/writer.ts): per UTC date
 * of the range, the rows go to an object under a unique key, the live objects the range cuts into are rewritten
 * as the pieces outside it (new unique keys too), and one manifest entry publishes all of it at once (manifest.ts).
 * Nothing is deleted: superseded and unpublished objects are left to `featureflow offline sweep`, because a
 * reader that listed the store a moment ago may still be reading them.
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { copyToParquet, definitionOf, type WriteOptions, type WriteResult } from '../compute/writer.js';
import { dateSlices, overlaps, subtractRange, type DateSlice, type MicrosRange } from '../compute/range.js';
import { instantSql } from '../compute/time-sql.js';
import { SourceError, duckdbMessage } from '../errors.js';
import { ident, literal } from '../sql.js';
import type { OfflineCatalog } from './catalog.js';
import { dataUrl, entryUrl, liveItems, nextVersion } from './manifest.js';

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
    const items: Published[] = [];
    const fresh = await writeFresh(conn, options, slice, dataUrl(store, options.view, slice.date, slice, version, writer));
    items.push({ start: slice.start, end: slice.end, file: fresh > 0 ? dataUrl(store, options.view, slice.date, slice, version, writer) : null, rows: fresh });
    for (const old of liveItems(published).filter((item) => item.file !== null && overlaps(item, slice))) {
      const definition = await definitionOf(conn, old.file as string);
      for (const piece of subtractRange(old, slice)) {
        // Bounded on the cut side only, so no row the old object holds outside the cut can be dropped.
        const ts = ident('event_timestamp');
        const condition = piece.end <= slice.start ? `${ts} < ${instantSql(slice.start)}` : `${ts} >= ${instantSql(slice.end)}`;
        const url = dataUrl(store, options.view, slice.date, piece, version, writer);
        const rows = await copyToParquet(conn, `SELECT * FROM read_parquet(${literal(old.file as string)}, hive_partitioning = false) WHERE ${condition}`, url, definition);
        items.push({ ...piece, file: rows > 0 ? url : null, rows });
      }
    }
    await publish(conn, entryUrl(store, options.view, slice.date, version, writer), items);
    if (fresh > 0) {
      result.rowsWritten += fresh;
      result.files.push(items[0]?.file as string);
    }
    options.onDate?.(slice, index, true);
  }
  await catalog.refresh();
  return result;
}

/** The range's rows, counted first so an empty range writes no object (it is published as holding no rows). */
async function writeFresh(conn: DuckDBConnection, options: ObjectWriteOptions, slice: DateSlice, url: string): Promise<number> {
  const ts = ident('event_timestamp');
  const select = `SELECT * FROM ${ident(options.table)} WHERE ${ts} >= ${instantSql(slice.start)} AND ${ts} < ${instantSql(slice.end)}`;
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
