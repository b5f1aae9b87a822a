/**
 * Where a computed view's rows live: `<offline>/<view>/date=YYYY-MM-DD/<startMicros>_<endMicros>.parquet`. A file's
 * name is the range of event times whose rows it holds, so a recompute finds exactly the files it replaces, and
 * the ranges of the files in a folder never overlap. Files are written under a hidden temp name that does not end
 * in `.parquet` (readers glob `*.parquet`) and renamed into place, so no reader sees a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveRepoPath } from '../../registry/load.js';
import type { EngineContext } from '../context.js';
import type { MicrosRange } from './range.js';

const RANGE_FILE_RE = /^(-?\d+)_(-?\d+)\.parquet$/;
const DATE_DIR_PREFIX = 'date=';
const TEMP_FILE_RE = /^\..+\.parquet\.\d+-[0-9a-f]{8}\.tmp$/;
/**
 * A temp file older than this was left by a writer that died (SIGKILL, OOM, lost host) between COPY and rename.
 * Its pid says nothing on another host sharing the folder, so age decides; no live write of one date folder
 * takes this long.
 */
export const STALE_TEMP_MS = 60 * 60 * 1000;

export interface RangeFile extends MicrosRange {
  path: string;
}

export function computedViewDir(ctx: EngineContext, viewName: string): string {
  return path.join(resolveRepoPath(ctx.repoDir, ctx.repo.offlineStore.path), viewName);
}

/** Glob of every row file of a view (the date folders are not read as a column: hive_partitioning stays off). */
export function computedViewGlob(viewDir: string): string {
  return path.join(viewDir, `${DATE_DIR_PREFIX}*`, '*.parquet');
}

export function dateDir(viewDir: string, date: string): string {
  return path.join(viewDir, `${DATE_DIR_PREFIX}${date}`);
}

export function rangeFilePath(dir: string, range: MicrosRange): string {
  return path.join(dir, `${range.start}_${range.end}.parquet`);
}

/** A unique sibling of `finalPath` that readers never pick up; the pid and random part keep writers apart. */
export function tempPathFor(finalPath: string): string {
  const name = `.${path.basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  return path.join(path.dirname(finalPath), name);
}

/** Deletes temp files a dead writer left in `dir` (readers ignore them, but they pile up and can be large). */
export async function sweepStaleTemps(dir: string, nowMs: number = Date.now(), graceMs = STALE_TEMP_MS, dryRun = false): Promise<number> {
  let swept = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!TEMP_FILE_RE.test(name)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info || nowMs - info.mtimeMs < graceMs) continue;
    if (!dryRun) await rm(file, { force: true });
    swept += 1;
  }
  return swept;
}

/** Row files of one date folder with their ranges; other files (temp files, foreign files) are left alone. */
export async function listRangeFiles(dir: string): Promise<RangeFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.flatMap((name) => {
    const match = RANGE_FILE_RE.exec(name);
    return match ? [{ path: path.join(dir, name), start: Number(match[1]), end: Number(match[2]) }] : [];
  });
}

/** Whether a view has any row file yet; read synchronously because building a view's relation is synchronous. */
export function hasRowFiles(viewDir: string): boolean {
  if (!existsSync(viewDir)) return false;
  for (const entry of readdirSync(viewDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(DATE_DIR_PREFIX)) continue;
    if (readdirSync(path.join(viewDir, entry.name)).some((name) => name.endsWith('.parquet'))) return true;
  }
  return false;
}
