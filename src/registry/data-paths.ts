/**
 * Where a repo may read files from: its own folder plus `offlineStore.allowedPaths`. A file source outside them
 * (`../../../../etc/passwd`, `/home/me/.ssh/id_rsa`) is refused when the repo is loaded, so a JSON repo cannot read
 * the machine's files; the engine enforces the same roots in DuckDB itself. Remote URLs (`s3://...`) are not local
 * files and stay allowed: reading remote data is what they are for.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { ValidationIssue } from './errors.js';
import type { Repo } from './schema.js';

const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** An offline store on object storage: a bucket and an optional prefix. */
export const S3_STORE_RE = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;
/** Characters that make a DuckDB path a glob; the folder before the first one is what the glob can reach. */
const GLOB_CHARS = /[*?[{]/;

export function isRemotePath(p: string): boolean {
  return URL_RE.test(p);
}

/** Absolute folders (and files) a repo's file sources may read: the repo's folder and its allowedPaths. */
export function dataRoots(repo: Pick<Repo, 'offlineStore'>, repoDir: string): string[] {
  const extra = repo.offlineStore.allowedPaths ?? [];
  return [path.resolve(repoDir), ...extra.filter((p) => !isRemotePath(p)).map((p) => path.resolve(repoDir, p))];
}

/** Whether `p` (absolute) is `root` or inside it, by path components (so `/repo-evil` is not inside `/repo`). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The fixed part of a path or glob: `data/2024/*.parquet` -> `data/2024`. Symbolic links in it are resolved when
 * they exist, so a link inside the repo pointing elsewhere counts as where it points.
 */
export function fixedPart(absolute: string): string {
  const glob = GLOB_CHARS.exec(absolute);
  const fixed = glob ? path.dirname(absolute.slice(0, glob.index) + 'x') : absolute;
  return resolveLinks(fixed);
}

/** realpath of the longest existing prefix, the rest appended: a file not written yet still resolves its folder. */
function resolveLinks(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(resolveLinks(parent), path.basename(p));
  }
}

/** Why `repoPath` (as written in the repo) may not be used, or undefined when it may. */
export function pathRefusal(repo: Pick<Repo, 'offlineStore'>, repoDir: string, repoPath: string): string | undefined {
  if (isRemotePath(repoPath)) return undefined;
  const absolute = path.resolve(repoDir, repoPath);
  const fixed = fixedPart(absolute);
  const roots = dataRoots(repo, repoDir).map((r) => fixedPart(r));
  if (roots.some((root) => isInside(root, fixed))) return undefined;
  return `path ${JSON.stringify(repoPath)} is outside the repo's folder; only files under the repo's folder or a folder listed in offlineStore.allowedPaths may be used`;
}

/**
 * One issue per path outside the data roots: file sources, and the offline store and database too, since the
 * engine may read and write those (an offline store at "/" would open every file to the repo's SQL).
 */
export function checkSourcePaths(repo: Repo, repoDir: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const check = (where: string, what: string, p: string): void => {
    const refusal = pathRefusal(repo, repoDir, p);
    if (refusal) issues.push({ path: where, message: `${what}: ${refusal}` });
  };
  check('offlineStore.path', 'the offline store', repo.offlineStore.path);
  const offline = repo.offlineStore.path;
  if (isRemotePath(offline) && !S3_STORE_RE.test(offline)) {
    issues.push({ path: 'offlineStore.path', message: `the offline store: ${JSON.stringify(offline)} is a URL, but only s3://BUCKET/PREFIX is supported` });
  }
  if (repo.offlineStore.database) check('offlineStore.database', 'the offline database', repo.offlineStore.database);
  repo.sources.forEach((source, i) => {
    if (source.type === 'file') check(`sources[${i}].path`, `source "${source.name}"`, source.path);
  });
  return issues;
}
