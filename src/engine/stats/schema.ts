/**
 * ViewStats as read back from a stats file or snapshot: outside input (any tool, or a damaged object, may have put
 * it there), so it is checked before anything merges it. A problem names the file and the path in the JSON.
 */
import { z } from 'zod';
import { FeatureflowError, formatPath } from '../../registry/errors.js';
import type { ViewStats } from './types.js';

const counts = z.record(z.string().regex(/^-?\d+$/), z.number().nonnegative());

const SketchSchema = z.object({
  kind: z.literal('ddsketch'),
  gamma: z.number().gt(1),
  minIndexed: z.number().positive(),
  zero: z.number().nonnegative(),
  positive: counts,
  negative: counts,
  count: z.number().nonnegative(),
});

const q = z.number();

const FeatureStatsSchema = z.object({
  feature: z.string(),
  dtype: z.string(),
  count: z.number().nonnegative(),
  nulls: z.number().nonnegative(),
  nullRate: z.number().min(0).max(1),
  mean: z.number().optional(),
  stddev: z.number().nonnegative().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  quantiles: z.object({ p1: q, p5: q, p25: q, p50: q, p75: q, p95: q, p99: q }).optional(),
  distinct: z.number().nonnegative().optional(),
  topK: z.array(z.object({ value: z.string(), count: z.number().nonnegative() })).optional(),
  sketch: SketchSchema.optional(),
});

export const ViewStatsSchema = z.object({
  view: z.string(),
  start: z.string(),
  end: z.string(),
  rows: z.number().nonnegative(),
  features: z.array(FeatureStatsSchema),
});

export function parseViewStats(text: string, where: string): ViewStats {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FeatureflowError('STATS_CORRUPT', `${where} does not hold JSON statistics: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ViewStatsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue ? formatPath(issue.path) || '(root)' : '(root)';
    throw new FeatureflowError('STATS_CORRUPT', `${where} holds invalid statistics at ${at}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
