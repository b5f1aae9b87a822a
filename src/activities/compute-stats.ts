/**
 * `computeStats`: stores the statistics of a view's rows per UTC date of [start, end) (engine/stats). Meant for
 * plain views, whose rows are never written by Featureflow; a computed view gets them while computeFeatures writes,
 * but asking for one here recomputes them from its stored rows, which is harmless. Idempotent: a rerun stores newer
 * files of the same ranges, which supersede the older ones.
 */
import { z } from 'zod';
import { computeViewStats } from '../engine/stats/store.js';
import type { ComputeStatsInput, ComputeStatsResult } from '../workflows/contracts/compute-stats.js';
import { Instant, dateRange, parseActivityInput } from './activity-input.js';
import type { ActivityDeps } from './deps.js';
import { withHeartbeats } from './heartbeat.js';

const InputSchema = z.strictObject({ view: z.string().min(1), start: Instant, end: Instant });

function parseInput(input: unknown): { view: string; start: Date; end: Date } {
  const { view, start, end } = parseActivityInput(InputSchema, 'computeStats', input);
  return { view, ...dateRange('computeStats', start, end) };
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
