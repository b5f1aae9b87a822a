/** Builds a small in-memory engine for engine tests: a repo object plus DuckDB tables created from SQL. */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { RepoSchema, type RepoInput } from '../../src/registry/schema.js';
import { openEngine, type EngineContext } from '../../src/engine/context.js';

export interface TestEngine {
  ctx: EngineContext;
  dir: string;
  run(sql: string): Promise<void>;
  close(): void;
}

export async function testEngine(repo: RepoInput, tables: Record<string, string> = {}): Promise<TestEngine> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-engine-'));
  const ctx = await openEngine(RepoSchema.parse(repo), dir, { threads: 2, memoryLimit: '1GB' });
  const run = (sql: string) => ctx.db.withConnection(async (c) => void (await c.run(sql)));
  for (const [name, select] of Object.entries(tables)) await run(`CREATE TABLE "${name}" AS ${select}`);
  return {
    ctx,
    dir,
    run,
    close: () => {
      ctx.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** UTC instant from a short text, e.g. at('2024-01-01 10:00'). */
export function at(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
