/**
 * Puts computed rows in the offline store, one file per UTC date of the range, replacing exactly the rows of the
 * range: existing files of the touched dates whose ranges overlap it are rewritten to keep only their rows outside
 * it (as the one or two ranges left, so file ranges never overlap), or deleted when nothing remains.
 *
 * Order of the swap: rewritten pieces and the new file are renamed into place first, the files they replace are
 * deleted last. A crash in between leaves some rows twice (the old file still lists them), never loses any, and
 * rerunning the same range (what an activity retry does) finds the old file overlapping and finishes the job.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { duckdbMessage, SourceError } from '../errors.js';
import { ident, literal } from '../sql.js';
import { instantSql } from './time-sql.js';
import { dateDir, listRangeFiles, rangeFilePath, sweepStaleTemps, tempPathFor, type RangeFile } from './layout.js';
import { dateSlices, overlaps, subtractRange, type DateSlice, type MicrosRange } from './range.js';

/** Parquet key-value metadata naming the definition rows were computed with (see definitionFingerprint). */
export const DEFINITION_KEY = 'featureflow.definition';

export interface WriteOptions {
  viewDir: string;
  /** Temp table holding the computed rows, with an `event_timestamp` column. */
  table: string;
  range: MicrosRange;
  definition: string;
  /** Called before and after each date is written. */
  onDate?: (slice: DateSlice, index: number, done: boolean) => void;
  /**
   * Called with the SELECT of each range about to be published (the new rows and, on a local store, the rest of a
   * rewritten file), before it is: statistics are taken from the same rows, not read back.
   */
  onStaged?: (select: string, range: DateSlice) => Promise<void>;
}

export interface WriteResult {
  rowsWritten: number;
  files: string[];
}

interface Staged {
  temp: string;
  final: string;
}

export async function writeRangeFiles(conn: DuckDBConnection, options: WriteOptions): Promise<WriteResult> {
  const result: WriteResult = { rowsWritten: 0, files: [] };
  for (const [index, slice] of dateSlices(options.range).entries()) {
    options.onDate?.(slice, index, false);
    const rows = await writeSlice(conn, options, slice);
    if (rows > 0) {
      result.rowsWritten += rows;
      result.files.push(rangeFilePath(dateDir(options.viewDir, slice.date), slice));
    }
    options.onDate?.(slice, index, true);
  }
  return result;
}

async function writeSlice(conn: DuckDBConnection, options: WriteOptions, slice: DateSlice): Promise<number> {
  const dir = dateDir(options.viewDir, slice.date);
  await mkdir(dir, { recursive: true });
  await sweepStaleTemps(dir);
  const replaced = (await listRangeFiles(dir)).filter((file) => overlaps(file, slice));
  const temps: string[] = [];
  const stage: StageFn = async (select, final, definition) => {
    const temp = tempPathFor(final);
    temps.push(temp);
    const rows = await copyToParquet(conn, select, temp, definition);
    return { rows, staged: rows > 0 ? { temp, final } : undefined };
  };
  try {
    const ts = ident('event_timestamp');
    const freshSelect = `SELECT * FROM ${ident(options.table)} WHERE ${ts} >= ${instantSql(slice.start)} AND ${ts} < ${instantSql(slice.end)}`;
    const fresh = await stage(freshSelect, rangeFilePath(dir, slice), options.definition);
    await options.onStaged?.(freshSelect, slice);
    const pieces: Staged[] = [];
    for (const file of replaced) pieces.push(...(await stageRemainder(conn, file, slice, stage, options.onStaged)));
    // Pieces before the new file: until both are in place the old file still serves their rows.
    const moves = [...pieces, ...(fresh.staged ? [fresh.staged] : [])];
    for (const move of moves) await rename(move.temp, move.final);
    const placed = new Set(moves.map((m) => m.final));
    for (const file of replaced) if (!placed.has(file.path)) await rm(file.path, { force: true });
    return fresh.rows;
  } finally {
    // Whatever was renamed is gone from its temp name; the rest (empty results, a failure midway) is removed.
    await Promise.all(temps.map((t) => rm(t, { force: true })));
  }
}

type StageFn = (select: string, final: string, definition: string) => Promise<{ rows: number; staged: Staged | undefined }>;

/** Stages the rows of `file` outside `cut` as the pieces left of it and right of it. */
async function stageRemainder(
  conn: DuckDBConnection,
  file: RangeFile,
  cut: DateSlice,
  stage: StageFn,
  onStaged: WriteOptions['onStaged'],
): Promise<Staged[]> {
  const definition = await definitionOf(conn, file.path);
  const ts = ident('event_timestamp');
  const staged: Staged[] = [];
  for (const piece of subtractRange(file, cut)) {
    // Bounded on the cut side only, so no row the file holds outside the cut can be dropped.
    const condition = piece.end <= cut.start ? `${ts} < ${instantSql(cut.start)}` : `${ts} >= ${instantSql(cut.end)}`;
    const final = rangeFilePath(path.dirname(file.path), piece);
    const select = `SELECT * FROM read_parquet(${literal(file.path)}, hive_partitioning = false) WHERE ${condition}`;
    const result = await stage(select, final, definition);
    if (result.staged) {
      staged.push(result.staged);
      await onStaged?.(select, { ...piece, date: cut.date });
    }
  }
  return staged;
}

export async function copyToParquet(conn: DuckDBConnection, select: string, file: string, definition: string): Promise<number> {
  const metadata = `KV_METADATA {${literal(DEFINITION_KEY)}: ${literal(definition)}}`;
  try {
    const reader = await conn.runAndReadAll(`COPY (${select}) TO ${literal(file)} (FORMAT parquet, ${metadata})`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  } catch (err) {
    throw new SourceError(`writing ${file} failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
  }
}

/** The definition fingerprint a file was written with ('' for files without one). */
async function definitionOf(conn: DuckDBConnection, file: string): Promise<string> {
  const reader = await conn.runAndReadAll(
    `SELECT decode(value) FROM parquet_kv_metadata(${literal(file)}) WHERE decode(key) = ${literal(DEFINITION_KEY)}`,
  );
  return String(reader.getRowsJS()[0]?.[0] ?? '');
}
