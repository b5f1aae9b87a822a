/**
 * computeDrift: a view's drift report from its stored statistics (store.ts); how it is computed is in
 * drift-compute.ts, which takes the statistics from any reader so it is tested without stored files.
 */
import type { EngineContext } from '../context.js';
import { computeDriftFrom, type ComputeDriftOptions } from './drift-compute.js';
import { loadSnapshot, loadStats } from './store.js';
import type { DriftReport } from './types.js';

export { EXACT_KS_MAX_VALUES, type ComputeDriftOptions } from './drift-compute.js';

export function computeDrift(ctx: EngineContext, view: string, opts: ComputeDriftOptions): Promise<DriftReport> {
  return computeDriftFrom({ loadStats, loadSnapshot }, ctx, view, opts);
}
