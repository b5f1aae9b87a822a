/**
 * Which files an engine's DuckDB may reach: the repo's data roots (its folder and offlineStore.allowedPaths), the
 * offline store (computed views, pushed rows), the offline database, and paths a user gave on their own command
 * line (entity files, the output of a training set). Remote file sources add their own prefix.
 */
import path from 'node:path';
import { dataRoots, isRemotePath, pathRefusal } from '../registry/data-paths.js';
import { resolveRepoPath } from '../registry/load.js';
import type { Repo } from '../registry/schema.js';
import type { FileAccess } from './database.js';
import { SourceError } from './errors.js';

/** What an engine for `repo` needs, before any path a user adds. */
export function repoAccess(repo: Repo, repoDir: string): FileAccess {
  // Also refused when the repo is loaded; here for repos that reach an engine another way.
  for (const [what, p] of [['offlineStore.path', repo.offlineStore.path], ['offlineStore.database', repo.offlineStore.database]] as const) {
    const refusal = p === undefined ? undefined : pathRefusal(repo, repoDir, p);
    if (refusal) throw new SourceError(`${what}: ${refusal}`);
  }
  const offline = repo.offlineStore.path;
  const directories = [...dataRoots(repo, repoDir), ...(isRemotePath(offline) ? [] : [resolveRepoPath(repoDir, offline)])];
  const database = repo.offlineStore.database;
  const files = database && !isRemotePath(database) ? [resolveRepoPath(repoDir, database)] : [];
  const remote = [
    ...repo.sources.flatMap((s) => (s.type === 'file' && isRemotePath(s.path) ? [s.path] : [])),
    ...(repo.offlineStore.allowedPaths ?? []).filter(isRemotePath),
  ].map(remotePrefix);
  // The store's own prefix, as a folder: `s3://b/p/` and not `s3://b/p`, which would also allow `s3://b/px`.
  if (isRemotePath(offline)) remote.push(`${offline.replace(/\/+$/, '')}/`);
  return { directories, files, remote: [...new Set(remote)] };
}

/** `s3://bucket/events/*.parquet` -> `s3://bucket/events/`: what a remote path or glob can reach. */
function remotePrefix(url: string): string {
  const glob = /[*?[{]/.exec(url);
  const fixed = glob ? url.slice(0, glob.index) : url;
  return fixed.endsWith('/') ? fixed : fixed.slice(0, fixed.lastIndexOf('/') + 1);
}

/**
 * Paths a user named themselves (an entity file or glob, an output file): a file is allowed as itself, a glob as
 * the folder before its first wildcard, a folder (for outputs written under a temporary name) as that folder.
 */
export function userAccess(paths: { read?: readonly string[]; write?: readonly string[]; folders?: readonly string[] }): FileAccess {
  const directories: string[] = [...(paths.folders ?? []).map((p) => path.resolve(p))];
  const files: string[] = [];
  const remote: string[] = [];
  for (const p of paths.write ?? []) {
    // DuckDB's COPY over an existing file writes `tmp_<name>` beside it and renames it at the end, so a failed
    // write never leaves half a file where the old one was.
    if (!isRemotePath(p) && !/[*?[{]/.test(p)) files.push(path.join(path.dirname(path.resolve(p)), `tmp_${path.basename(p)}`));
  }
  for (const p of [...(paths.read ?? []), ...(paths.write ?? [])]) {
    if (isRemotePath(p)) {
      remote.push(remotePrefix(p));
      continue;
    }
    const absolute = path.resolve(p);
    // DuckDB compares the path as written (no symbolic links resolved), so the folder is given the same way.
    const glob = /[*?[{]/.exec(absolute);
    if (glob) directories.push(path.dirname(`${absolute.slice(0, glob.index)}x`));
    else files.push(absolute);
  }
  return { directories, files, remote };
}

export function mergeAccess(...parts: ReadonlyArray<FileAccess | undefined>): FileAccess {
  const present = parts.filter((p): p is FileAccess => p !== undefined);
  return {
    directories: [...new Set(present.flatMap((p) => p.directories))],
    files: [...new Set(present.flatMap((p) => p.files))],
    remote: [...new Set(present.flatMap((p) => p.remote ?? []))],
  };
}
