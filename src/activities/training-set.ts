/**
 * `buildTrainingSet`: getHistoricalFeatures as an activity, writing Parquet or CSV on the worker's machine and
 * returning counts only. Relative paths are the worker's repo folder's, as they are in the repo itself. The file
 * appears atomically (written under a temporary name in the same folder, then renamed), so a reader never sees
 * half a file and a retry after a crash starts clean; a retry simply builds the set again.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Database } from '../engine/database.js';
import type { EntityInput } from '../engine/entities.js';
import { InvalidRequestError, SourceError, duckdbMessage } from '../engine/errors.js';
import { getHistoricalFeatures } from '../engine/historical.js';
import { stageEntities, writeTrainingSet } from '../engine/staging.js';
import { outputFormatOf, type OutputFormat, type TrainingSet } from '../engine/training-set.js';
import { formatPath } from '../registry/errors.js';
import { resolveFeatureRefs } from '../registry/features.js';
import { resolveRepoPath } from '../registry/load.js';
import type { TrainingSetInput, TrainingSetResult } from '../workflows/contracts/training-set.js';
import type { ActivityDeps } from './deps.js';
import { withHeartbeats, type HeartbeatDetails, type Heartbeats } from './heartbeat.js';

const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

const text = (what: string) => z.string({ error: `must be ${what}` }).refine((s) => s.trim() !== '', `must be ${what}`);
const flag = z.boolean({ error: 'must be true or false' }).optional();
const ENTITIES = 'a .parquet or .csv file path or {"table":"NAME"}';
const InputSchema = z.strictObject({
  entities: z.union([text(ENTITIES), z.strictObject({ table: text('a table name') })], { error: `must be ${ENTITIES}` }),
  features: z.array(text('a feature reference like "view:feature"')).min(1, 'must list at least one feature reference').optional(),
  featureService: text('the name of a feature service').optional(),
  out: text('the path of the file to write')
    .refine((s) => !URL_RE.test(s), "must be a file path on the worker's machine, not a URL")
    .refine((s) => /\.(parquet|csv)$/i.test(s), 'must end in .parquet or .csv'),
  fullFeatureNames: flag,
  filterCreated: flag,
});

type Request = z.infer<typeof InputSchema>;

/** Every problem at once, each with its field, as one non-retryable error. */
export function parseTrainingSetInput(input: unknown): Request & { refs: string[] } {
  const parsed = InputSchema.safeParse(input);
  const problems = parsed.success
    ? []
    : parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => `${formatPath([...i.path, k])}: unknown field`)
          : [`${formatPath(i.path) || '(input)'}: ${i.message}`],
      );
  // Outside zod so it is reported alongside the field problems (zod skips object refinements once a field fails).
  const raw = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  if (raw.features !== undefined && raw.featureService !== undefined) problems.push('featureService: give features or featureService, not both');
  if (raw.features === undefined && raw.featureService === undefined) problems.push('features: give feature references or featureService');
  if (!parsed.success || problems.length > 0) {
    throw new InvalidRequestError(`buildTrainingSet input is invalid: ${problems.join('; ')}`);
  }
  const service = parsed.data.featureService?.replace(/^service:/, '');
  return { ...parsed.data, refs: parsed.data.features ?? [`service:${service}`] };
}

/** Relative to the repo folder, like every path in the repo; URLs (s3://...) go to DuckDB unchanged. */
function repoPath(repoDir: string, p: string): string {
  return URL_RE.test(p) ? p : path.resolve(resolveRepoPath(repoDir, p));
}

export async function buildTrainingSet(deps: ActivityDeps, input: TrainingSetInput): Promise<TrainingSetResult> {
  const t0 = performance.now();
  const req = parseTrainingSetInput(input);
  // The worker opened its engine at start-up, so this is immediate; it comes before the first heartbeat so that
  // one already says which step of how many (the SDK sends the next one only 0.8 x the heartbeat timeout later).
  const ctx = await deps.resources.engine();
  const out = repoPath(ctx.repoDir, req.out);
  const format = outputFormatOf(out);
  const entities: EntityInput = typeof req.entities === 'string' ? { path: repoPath(ctx.repoDir, req.entities) } : req.entities;
  // Unknown views, features or services fail here, before any data is read (non-retryable).
  const resolved = resolveFeatureRefs(ctx.repo, req.refs);
  // One join per view (getHistoricalFeatures' steps), then the write.
  const steps = new Set(resolved.map((f) => f.view)).size + 1;
  const where = { view: req.refs.join(','), start: '', end: '' };
  const details = (stepNumber: number, label: string, percent: number | undefined): HeartbeatDetails => ({
    phase: 'train',
    ...where,
    step: `${stepNumber}/${steps} ${label}`,
    stepNumber,
    steps,
    percent,
  });
  return withHeartbeats(details(0, 'loading the entity rows', undefined), deps.heartbeatIntervalMs, async (beats) => {
    beats.throwIfCancelled('loading the entity rows');
    // The worker's engine reaches only the repo's files: an entity file elsewhere is copied in first (staging.ts).
    const staged = await stageEntities(ctx.db, entities);
    let set: TrainingSet;
    // The last join runs inside the write (training-set.ts): its progress is the write's from then on.
    let writing: string | undefined;
    try {
      set = await getHistoricalFeatures(ctx, staged.input, req.refs, {
        fullFeatureNames: req.fullFeatureNames ?? false,
        filterByCreatedTimestamp: req.filterCreated ?? false,
        onProgress: (e) => beats.report(writing === undefined ? details(e.step, e.label, e.percent) : details(steps, writing, e.percent)),
      });
    } finally {
      await staged.cleanup();
    }
    try {
      beats.throwIfCancelled(`writing ${out}`);
      writing = `writing ${path.basename(out)}`;
      beats.report(details(steps, writing, undefined));
      await writeAtomically(set, out, format, beats, ctx.db);
    } finally {
      set.close();
    }
    return {
      out,
      rows: set.rowCount,
      columns: set.columns.length,
      features: resolved.length,
      seconds: Math.round(performance.now() - t0) / 1000,
    };
  });
}

/** Hidden temporary name in the target folder (a rename within one file system is atomic), then the real name. */
async function writeAtomically(set: TrainingSet, out: string, format: OutputFormat, beats: Heartbeats, db: Database): Promise<void> {
  const dir = path.dirname(out);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new InvalidRequestError(`cannot create the folder of ${out}: ${(err as Error).message}`, { cause: err });
  }
  const temp = path.join(dir, `.${path.basename(out)}.${randomUUID()}.tmp`);
  try {
    try {
      await writeTrainingSet(db, set, temp, format);
    } catch (err) {
      // The set's last join runs in the write; its failure names the view as the other joins' do.
      if (err instanceof SourceError) throw err;
      throw new InvalidRequestError(`cannot write ${out}: ${duckdbMessage((err as Error).cause ?? err)}`, { cause: err });
    }
    // A cancelled run leaves no file behind, even one that was complete.
    beats.throwIfCancelled(`publishing ${out}`);
    await rename(temp, out);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
