/**
 * `computeStats`: stores the statistics of a view's rows per UTC date of [start, end) (engine/stats). Meant for
 * plain views, whose rows are never written by Featureflow; a computed view gets them while computeFeatures writes,
 * but asking for one here recomputes them from its stored rows, which is harmless. Idempotent: a rerun stores newer
 * files of the same ranges, which supersede the older ones.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../engine/errors.js';
import { computeViewStats } from '../engine/stats/store.js';
import { formatPath } from '../registry/errors.js';
import { parseInstantMs } from '../registry/instant.js';
import type { ComputeStatsInput, ComputeStatsResult } from '../workflows/contracts/compute-stats.js';
import type { ActivityDeps } from './deps.js';
import { withHeartbeats } from './heartbeat.js';

const Instant = z.string().refine((s) => parseInstantMs(s) !== undefined, 'must be an ISO-8601 instant');
const InputSchema = z.strictObject({ view: z.string().min(1), start: Instant, end: Instant });

function parseInput(input: unknown): { view: string; start: Date; end: Date } {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(i.path) || '(input)'}: ${i.message}`);
    throw new InvalidRequestError(`computeStats input is invalid: ${problems.join('; ')}`);
  }
  const start = new Date(parseInstantMs(parsed.data.start) as number);
  const end = new Date(parseInstantMs(parsed.data.end) as number);
  if (!(start < end)) throw new InvalidRequestError(`computeStats: start ${start.toISOString()} must be before end ${end.toISOString()}`);
  return { view: parsed.data.view, start, end };
}

export async function computeStats(deps: ActivityDeps, input: ComputeStatsInput): Promise<ComputeStatsResult> {
  const t0 = performance.now();
  const req = parseInput(input);
  const where = { view: req.view, start: req.start.toISOString(), end: req.end.toISOString() };
  return withHeartbeats({ phase: 'stats', ...where }, deps.heartbeatIntervalMs, async (beats) => {
    beats.throwIfCancelled('computing statistics');
    const ctx = await deps.resources.engine();
    const stored = await computeViewStats(ctx, req.view, req.start, req.end);
    return {
      ...where,
      partitions: stored.length,
      rows: stored.reduce((n, s) => n + s.rows, 0),
      seconds: (performance.now() - t0) / 1000,
    };
  });
}
