/**
 * Where rows pushed with `to: offline` live: `<offlineStore.path>/pushed/<push source>/<receivedMicros>-<pid>-<random>.parquet`,
 * one file per push. A file is written under a hidden temp name that does not end in `.parquet`, fsynced, then
 * renamed into place (and the folder fsynced), so readers, which list only visible `*.parquet` names, never see a
 * torn file, and a file that is visible survives a crash.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { resolveRepoPath } from '../registry/load.js';
import type { Repo } from '../registry/schema.js';

export const PUSHED_FOLDER = 'pushed';

const PUSHED_FILE_RE = /^[^.].*\.parquet$/;

export function pushedDir(repo: Repo, repoDir: string, source: string): string {
  return path.join(resolveRepoPath(repoDir, repo.offlineStore.path), PUSHED_FOLDER, source);
}

/** A new file name: arrival time first, so a listing sorts in push order; pid and random part keep writers apart. */
export function newPushedFileName(nowMs: number = Date.now()): string {
  return `${nowMs * 1000}-${process.pid}-${randomBytes(6).toString('hex')}.parquet`;
}

/** The hidden temp sibling a pushed file is written under before its rename. */
export function pushedTempPath(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.tmp`);
}

/**
 * The pushed files of a source, in push order. Read synchronously because a source's relation is built
 * synchronously; hidden and non-Parquet names (temp files of pushes in progress or cut short) are skipped.
 */
export function listPushedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && PUSHED_FILE_RE.test(entry.name))
    .map((entry) => path.join(dir, entry.name))
    .sort();
}
