/** `computeFeatures({ view, start, end })`: a computed view's offline rows for one range, in one activity call. */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { chunkActivityOptions } from './activity-options.js';
import { DEFAULTS, resolveComputeInput } from './input.js';
import { tryParseDuration } from '../registry/duration.js';
import type { ComputeFeaturesInput, ComputeFeaturesResult } from './shared.js';

export async function computeFeatures(input: ComputeFeaturesInput): Promise<ComputeFeaturesResult> {
  const { view, startMs, endMs } = resolveComputeInput(input);
  const heartbeatSeconds = tryParseDuration(DEFAULTS.heartbeatTimeout) as number;
  const { computeChunk } = proxyActivities<ReturnType<typeof createActivities>>(
    chunkActivityOptions(heartbeatSeconds * 1000),
  );
  return computeChunk({
    view,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    materialize: false,
  });
}
