/**
 * Where stats live and how one file is written and read. Layout (same on a folder and on S3):
 * `<offline>/_stats/<view>/date=YYYY-MM-DD/<start>_<end>-<writtenMicros>.parquet` (range in microseconds, one
 * row, one VARCHAR column `stats` with a ViewStats as JSON) and `<offline>/_stats/<view>/_snapshots/<name>.parquet`.
 * A newer file of the same range supersedes an older one, so files are never rewritten in place.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FeatureflowError } from '../../registry/errors.js';
import type { MicrosRange } from '../compute/range.js';
import { duckdbMessage, SourceError } from '../errors.js';
import { offlinePath, type OfflineLocation } from '../offline/location.js';
import { literal, literalList } from '../sql.js';
import { parseViewStats } from './schema.js';
import type { ViewStats } from './types.js';

export const STATS_FOLDER = '_stats';
export const SNAPSHOTS_FOLDER = '_snapshots';

export interface StatsFile extends MicrosRange {
  file: string;
  date: string;
  written: number;
}

const FILE_RE = /date=(\d{4}-\d{2}-\d{2})[/\\](\d+)_(\d+)-(\d+)\.parquet$/;
const SNAPSHOT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function statsFilePath(location: OfflineLocation, view: string, date: string, range: MicrosRange, written: number): string {
  return offlinePath(location, STATS_FOLDER, view, `date=${date}`, `${range.start}_${range.end}-${written}.parquet`);
}

export function snapshotPath(location: OfflineLocation, view: string, name: string): string {
  if (!SNAPSHOT_NAME_RE.test(name)) {
    throw new FeatureflowError('INVALID_REQUEST', `snapshot name ${JSON.stringify(name)} is not valid: use letters, digits, '_', '.', '-' (up to 128)`);
  }
  return offlinePath(location, STATS_FOLDER, view, SNAPSHOTS_FOLDER, `${name}.parquet`);
}

let lastWritten = 0;
/** Microseconds now, strictly increasing within a process so two writes of one range never tie. */
export function writtenMicros(): number {
  lastWritten = Math.max(Date.now() * 1000, lastWritten + 1);
  return lastWritten;
}

export function parseStatsFile(file: string): StatsFile | undefined {
  const m = FILE_RE.exec(file);
  if (!m) return undefined;
  return { file, date: m[1] as string, start: Number(m[2]), end: Number(m[3]), written: Number(m[4]) };
}

/** Every stats file of a view (an empty list when it has none). */
export async function listStatsFiles(conn: DuckDBConnection, location: OfflineLocation, view: string): Promise<StatsFile[]> {
  const glob = offlinePath(location, STATS_FOLDER, view, 'date=*', '*.parquet');
  try {
    const rows = (await conn.runAndReadAll(`SELECT file FROM glob(${literal(glob)})`)).getRowsJS();
    return rows.flatMap((r) => parseStatsFile(String(r[0])) ?? []);
  } catch (err) {
    throw new SourceError(`listing ${glob} failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
  }
}

export async function writeStatsFile(conn: DuckDBConnection, location: OfflineLocation, file: string, stats: ViewStats): Promise<void> {
  const select = `SELECT ${literal(JSON.stringify(stats))}::VARCHAR AS stats`;
  try {
    if (location.kind === 's3') {
      // An object appears whole or not at all.
      await conn.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
      return;
    }
    await mkdir(path.dirname(file), { recursive: true });
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    try {
      await conn.run(`COPY (${select}) TO ${literal(temp)} (FORMAT parquet)`);
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
  } catch (err) {
    throw new SourceError(`writing statistics ${file} failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
  }
}

/** The stats in `files`, in the same order. */
export async function readStatsFiles(conn: DuckDBConnection, files: readonly string[]): Promise<ViewStats[]> {
  if (files.length === 0) return [];
  let rows: unknown[][];
  try {
    rows = (await conn.runAndReadAll(`SELECT filename, stats FROM read_parquet(${literalList(files)}, filename = true)`)).getRowsJS();
  } catch (err) {
    throw new SourceError(`reading statistics failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
  }
  const byFile = new Map(rows.map((r) => [String(r[0]), String(r[1])]));
  return files.map((file) => {
    const text = byFile.get(file);
    if (text === undefined) throw new FeatureflowError('STATS_CORRUPT', `statistics file ${file} holds no row`);
    return parseViewStats(text, file);
  });
}

/**
 * Whether a (snapshot) file exists, without reading it. Its folder is listed: a glob without a wildcard answers
 * the path itself on object storage, whether or not the object exists.
 */
export async function statsFileExists(conn: DuckDBConnection, location: OfflineLocation, file: string): Promise<boolean> {
  const sep = location.kind === 's3' ? '/' : path.sep;
  const folder = file.slice(0, file.lastIndexOf(sep));
  const rows = (await conn.runAndReadAll(`SELECT file FROM glob(${literal(`${folder}${sep}*.parquet`)})`)).getRowsJS();
  return rows.some((r) => String(r[0]) === file);
}
