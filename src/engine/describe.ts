/**
 * The DuckDB-backed `describeSource` the registry's validation uses to check a view's columns against its data.
 * Kept here so the registry itself never imports the engine.
 */
import { FeatureflowError } from '../registry/errors.js';
import type { DescribeSource } from '../registry/validate.js';
import type { Repo, Source } from '../registry/schema.js';
import { engineAccess, type EngineContext } from './context.js';
import { Database } from './database.js';
import { SourceError, sourceReadProblem } from './errors.js';
import { openCatalog } from './offline/catalog.js';
import { offlineLocation } from './offline/location.js';
import { checkRepoSql, checkSourceSql } from './repo-sql.js';
import { UnsafeSqlError } from './sql-guard.js';
import { describeRelation, sourceRelation } from './sources.js';

export function sourceDescriber(db: Database) {
  return async (source: Source, repoDir: string, repo?: Repo): Promise<string[]> => {
    // A single-source repo is enough for file and table sources; sql sources need the others they name.
    const described = repo ?? ({ sources: [source], offlineStore: { path: '.featureflow/offline' } } as unknown as Repo);
    const ctx: EngineContext = { repo: described, repoDir, db, offline: openCatalog(offlineLocation(described, repoDir), db) };
    // Repo SQL is parser-checked before DuckDB binds any of it, even to describe it.
    await checkSourceSql(ctx, source.name);
    try {
      const columns = await db.withConnection((conn) => describeRelation(conn, sourceRelation(ctx, source.name)));
      return [...columns.keys()];
    } catch (err) {
      if (err instanceof FeatureflowError) throw err;
      // Named by path and kind of problem only: DuckDB's own message may quote the file.
      const where = source.type === 'file' ? `file ${source.path}: ` : '';
      throw new SourceError(`${where}${sourceReadProblem(err)}`, { cause: err });
    }
  };
}

/** A load-time probe: a DuckDB limited to the repo's files, opened on first use, checking the repo's SQL. */
export interface RepoProbe {
  /** For validateRepo: describes a source (after checking the repo's SQL). */
  describe: DescribeSource;
  /** Checks every piece of the repo's SQL; throws UnsafeSqlError. */
  check(repo: Repo, repoDir: string): Promise<void>;
  /** The UnsafeSqlError met while describing (validation reports describe errors as issues; this one comes first). */
  readonly unsafe: UnsafeSqlError | undefined;
  close(): Promise<void>;
}

export function repoProbe(): RepoProbe {
  let opening: Promise<EngineContext> | undefined;
  let unsafe: UnsafeSqlError | undefined;
  const open = (repo: Repo, repoDir: string): Promise<EngineContext> => {
    // Not openEngine: the offline database is not attached (plan must work before it exists), as before.
    const { access, remote } = engineAccess(repo, repoDir);
    // The store's listing is not needed to check SQL and describe sources (plan works before the store exists).
    const probeRemote = remote ? { remote: { ...remote, required: false } } : {};
    opening ??= Database.open({ threads: 1, memoryLimit: '256MB', ...(access ? { access } : {}), ...probeRemote }).then(async (db) => {
      const ctx = { repo, repoDir, db, offline: openCatalog(offlineLocation(repo, repoDir), db) };
      try {
        await checkRepoSql(ctx);
      } catch (err) {
        if (err instanceof UnsafeSqlError) unsafe = err;
        db.close();
        throw err;
      }
      return ctx;
    });
    return opening;
  };
  return {
    describe: async (source, repoDir, repo) => {
      const ctx = await open(repo, repoDir);
      return sourceDescriber(ctx.db)(source, repoDir, repo);
    },
    check: async (repo, repoDir) => void (await open(repo, repoDir)),
    get unsafe() {
      return unsafe;
    },
    close: async () => {
      const ctx = await opening?.catch(() => undefined);
      ctx?.db.close();
    },
  };
}
