/**
 * The DuckDB-backed `describeSource` the registry's validation uses to check a view's columns against its data.
 * Kept here so the registry itself never imports the engine.
 */
import type { Repo, Source } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import type { Database } from './database.js';
import { describeRelation, sourceRelation } from './sources.js';

export function sourceDescriber(db: Database) {
  return async (source: Source, repoDir: string, repo?: Repo): Promise<string[]> => {
    // A single-source repo is enough for file and table sources; sql sources need the others they name.
    const ctx: EngineContext = {
      repo: repo ?? ({ sources: [source] } as unknown as Repo),
      repoDir,
      db,
    };
    const columns = await db.withConnection((conn) => describeRelation(conn, sourceRelation(ctx, source.name)));
    return [...columns.keys()];
  };
}
