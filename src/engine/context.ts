/** What every engine operation needs: the validated repo, the folder its relative paths start from, and DuckDB. */
import type { Repo } from '../registry/schema.js';
import { resolveRepoPath } from '../registry/load.js';
import { mergeAccess, repoAccess } from './access.js';
import { Database, type DatabaseOptions } from './database.js';
import { checkRepoSql } from './repo-sql.js';

export interface EngineContext {
  repo: Repo;
  repoDir: string;
  db: Database;
}

/**
 * Opens DuckDB limited to the repo's files (plus `options.access`, paths the user named) with its configuration
 * locked, and refuses a repo whose SQL is not one SELECT per query (sql-guard.ts) before anything runs.
 */
export async function openEngine(repo: Repo, repoDir: string, options: DatabaseOptions = {}): Promise<EngineContext> {
  const attach = repo.offlineStore.database ? resolveRepoPath(repoDir, repo.offlineStore.database) : undefined;
  const access = mergeAccess(repoAccess(repo, repoDir), options.access);
  const db = await Database.open({ ...options, access, ...(attach ? { attach } : {}) });
  const ctx = { repo, repoDir, db };
  try {
    await checkRepoSql(ctx);
  } catch (err) {
    db.close();
    throw err;
  }
  return ctx;
}

export function closeEngine(ctx: EngineContext): void {
  ctx.db.close();
}
