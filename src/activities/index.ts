/**
 * The activities, built from injected dependencies (Temporal samples' factory pattern). Workflows import this
 * module as a type only; only worker.ts (and tests) call createActivities with real or fake dependencies.
 */
import type { ComputeChunkInput, ComputeChunkResult } from '../workflows/shared.js';
import { computeChunk, type ActivityDeps } from './compute-chunk.js';
import { toActivityFailure } from './failures.js';

export type { ActivityDeps, ComputeFeaturesFn, MaterializeFn } from './compute-chunk.js';
export { WorkerResources, type ActivityResources, type ResourceFactories } from './resources.js';

export function createActivities(deps: ActivityDeps) {
  return {
    async computeChunk(input: ComputeChunkInput): Promise<ComputeChunkResult> {
      try {
        return await computeChunk(deps, input);
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}
