/** What every engine operation needs: the validated repo, the folder its relative paths start from, and DuckDB. */
import type { Repo } from '../registry/schema.js';
import { resolveRepoPath } from '../registry/load.js';
import { mergeAccess, repoAccess } from './access.js';
import { Database, type DatabaseOptions, type FileAccess } from './database.js';
import { openCatalog, type OfflineCatalog } from './offline/catalog.js';
import { offlineLocation } from './offline/location.js';
import { checkRepoSql } from './repo-sql.js';
import { s3Settings } from './s3-settings.js';

export interface EngineContext {
  repo: Repo;
  repoDir: string;
  db: Database;
  /** What the offline store holds (listed on use, or by refresh() for object storage). */
  offline: OfflineCatalog;
}

/**
 * The files an engine may reach and, when any are remote, what loads httpfs: required when the offline store
 * itself is on object storage, best effort for remote sources alone.
 */
export function engineAccess(repo: Repo, repoDir: string, extra?: FileAccess): Pick<DatabaseOptions, 'access' | 'remote'> {
  const access = mergeAccess(repoAccess(repo, repoDir), extra);
  if ((access.remote ?? []).length === 0) return { access };
  return { access, remote: { s3: s3Settings(repo), required: offlineLocation(repo, repoDir).kind === 's3' } };
}

/** An engine context over an open database (the offline store listed once, so relations can be built). */
export async function engineContext(repo: Repo, repoDir: string, db: Database): Promise<EngineContext> {
  const offline = openCatalog(offlineLocation(repo, repoDir), db);
  await offline.refresh();
  return { repo, repoDir, db, offline };
}

/**
 * Opens DuckDB limited to the repo's files (plus `options.access`, paths the user named) with its configuration
 * locked, and refuses a repo whose SQL is not one SELECT per query (sql-guard.ts) before anything runs.
 */
export async function openEngine(repo: Repo, repoDir: string, options: DatabaseOptions = {}): Promise<EngineContext> {
  const attach = repo.offlineStore.database ? resolveRepoPath(repoDir, repo.offlineStore.database) : undefined;
  const db = await Database.open({ ...options, ...engineAccess(repo, repoDir, options.access), ...(attach ? { attach } : {}) });
  try {
    const ctx = await engineContext(repo, repoDir, db);
    await checkRepoSql(ctx);
    return ctx;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function closeEngine(ctx: EngineContext): void {
  ctx.db.close();
}
