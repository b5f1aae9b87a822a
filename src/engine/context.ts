/** What every engine operation needs: the validated repo, the folder its relative paths start from, and DuckDB. */
import type { Repo } from '../registry/schema.js';
import { resolveRepoPath } from '../registry/load.js';
import { Database, type DatabaseOptions } from './database.js';

export interface EngineContext {
  repo: Repo;
  repoDir: string;
  db: Database;
}

export async function openEngine(repo: Repo, repoDir: string, options: DatabaseOptions = {}): Promise<EngineContext> {
  const attach = repo.offlineStore.database ? resolveRepoPath(repoDir, repo.offlineStore.database) : undefined;
  const db = await Database.open({ ...options, ...(attach ? { attach } : {}) });
  return { repo, repoDir, db };
}

export function closeEngine(ctx: EngineContext): void {
  ctx.db.close();
}
