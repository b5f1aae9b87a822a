/**
 * A worker's engine can reach only the repo's files and its configuration is locked, but a training-set request
 * names an entity file and an output anywhere on the worker's machine. Those are the requester's own paths, so
 * they are moved through the engine's temp directory: the entity file is copied in by a separate DuckDB that runs
 * only Featureflow's own COPY (never repo SQL), and the output is written there and copied out by Node.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isInside, isRemotePath } from '../registry/data-paths.js';
import { Database } from './database.js';
import type { EntityInput } from './entities.js';
import { InvalidRequestError, duckdbMessage } from './errors.js';
import { fileRelation } from './sources.js';
import { literal } from './sql.js';
import type { OutputFormat, TrainingSet } from './training-set.js';

/** Whether the engine may read or write `p` (absolute) itself; an engine without limits reaches everything. */
export function engineCanReach(db: Database, p: string): boolean {
  const access = db.options.access;
  if (!access) return true;
  const folders = [...access.directories, db.tempDirectory];
  return access.files.includes(p) || folders.some((dir) => isInside(dir, p));
}

export interface StagedEntities {
  input: EntityInput;
  cleanup(): Promise<void>;
}

/** The entity input as the engine can read it: unchanged when it can, else a Parquet copy in its temp directory. */
export async function stageEntities(db: Database, input: EntityInput): Promise<StagedEntities> {
  const unchanged = { input, cleanup: async () => {} };
  if (!('path' in input) || isRemotePath(input.path)) return unchanged;
  const absolute = path.resolve(input.path);
  const fixed = /[*?[{]/.test(absolute) ? path.dirname(absolute.slice(0, /[*?[{]/.exec(absolute)?.index) + 'x') : absolute;
  if (engineCanReach(db, fixed)) return unchanged;
  const staged = path.join(db.tempDirectory, `entities-${randomUUID()}.parquet`);
  const reader = await Database.open({ threads: 1, memoryLimit: '256MB', tempDirectory: db.tempDirectory });
  try {
    await reader.withConnection((c) =>
      c.run(`COPY (SELECT * FROM ${fileRelation(absolute, input.format)}) TO ${literal(staged)} (FORMAT parquet)`),
    );
  } catch (err) {
    await rm(staged, { force: true });
    throw new InvalidRequestError(`cannot read entity file ${input.path}: ${duckdbMessage(err)}`, { cause: err });
  } finally {
    reader.close();
  }
  return { input: { path: staged, format: 'parquet' }, cleanup: () => rm(staged, { force: true }) };
}

/** Writes `set` to `file` (absolute), through the temp directory when the engine may not write there itself. */
export async function writeTrainingSet(db: Database, set: TrainingSet, file: string, format: OutputFormat): Promise<void> {
  if (engineCanReach(db, file)) return set.write(file, format);
  const staged = path.join(db.tempDirectory, `output-${randomUUID()}.${format}`);
  try {
    await set.write(staged, format);
    await copyFile(staged, file);
  } finally {
    await rm(staged, { force: true });
  }
}
