/**
 * Where the offline store is: a local folder (`offlineStore.path` relative to the repo) or object storage
 * (`s3://bucket/prefix`). Everything that names an offline file or object starts here.
 */
import path from 'node:path';
import { isRemotePath } from '../../registry/data-paths.js';
import { resolveRepoPath } from '../../registry/load.js';
import type { Repo } from '../../registry/schema.js';

export type OfflineLocation =
  | { kind: 'local'; dir: string }
  /** `url` without a trailing slash; `prefix` is the key prefix inside the bucket ('' or `a/b`). */
  | { kind: 's3'; url: string; bucket: string; prefix: string };

export function offlineLocation(repo: Pick<Repo, 'offlineStore'>, repoDir: string): OfflineLocation {
  const p = repo.offlineStore.path;
  if (!isRemotePath(p)) return { kind: 'local', dir: resolveRepoPath(repoDir, p) };
  const url = p.replace(/\/+$/, '');
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return { kind: 's3', url, bucket: slash < 0 ? rest : rest.slice(0, slash), prefix: slash < 0 ? '' : rest.slice(slash + 1) };
}

/** A path (local) or URL (s3) under the store. */
export function offlinePath(location: OfflineLocation, ...parts: string[]): string {
  return location.kind === 'local' ? path.join(location.dir, ...parts) : [location.url, ...parts].join('/');
}

/** The object key of an `s3://bucket/key` URL of this store. */
export function objectKey(location: Extract<OfflineLocation, { kind: 's3' }>, url: string): string {
  return url.slice(`s3://${location.bucket}/`.length);
}
