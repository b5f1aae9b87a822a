/**
 * The activities, built from injected dependencies (Temporal samples' factory pattern). Workflows import this
 * module as a type only; only worker.ts (and tests) call createActivities with real or fake dependencies. Every
 * activity goes through `toActivityFailure`, so our errors reach Temporal with their stable code as the failure type
 * and non-retryable when retrying cannot help.
 */
import type { Watermark } from '../online/types.js';
import type { RecordBackfillWatermarkInput } from '../workflows/contracts/backfill.js';
import type { ComputeChunkInput, ComputeChunkResult } from '../workflows/contracts/compute-features.js';
import type { DriftAlertInput, DriftCheckInput, DriftCheckResult, RecordDriftAlertInput } from '../workflows/contracts/check-drift.js';
import type {
  FreshnessAlertInput,
  FreshnessCheckInput,
  FreshnessCheckResult,
  RecordAlertInput,
} from '../workflows/contracts/check-freshness.js';
import type { MaterializeRangeInput, MaterializeRangeResult } from '../workflows/contracts/materialize-incremental.js';
import type { TrainingSetInput, TrainingSetResult } from '../workflows/contracts/training-set.js';
import type { ComputeStatsInput, ComputeStatsResult } from '../workflows/contracts/compute-stats.js';
import type { IngestStreamInput, IngestStreamResult } from '../workflows/contracts/stream-ingest.js';
import { computeChunk } from './compute-chunk.js';
import { computeStats } from './compute-stats.js';
import type { ActivityDeps } from './deps.js';
import { checkDrift, recordDriftAlert, sendDriftAlert } from './drift.js';
import { toActivityFailure } from './failures.js';
import { checkFreshness, recordFreshnessAlert, sendFreshnessAlert } from './freshness.js';
import { ingestStream } from './ingest-stream.js';
import { materializeRange } from './materialize-range.js';
import { recordBackfillWatermark } from './record-backfill-watermark.js';
import { buildTrainingSet } from './training-set.js';

export type { ActivityDeps, ComputeDriftFn, ComputeFeaturesFn, MaterializeFn, StreamIngestFn } from './deps.js';
export { WorkerResources, type ActivityResources, type ResourceFactories } from './resources.js';

/** Our errors as Temporal failures (see failures.ts), whatever the activity. */
function mapped<I, O>(run: (deps: ActivityDeps, input: I) => Promise<O>, deps: ActivityDeps): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await run(deps, input);
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}

export function createActivities(deps: ActivityDeps) {
  return {
    computeChunk: mapped<ComputeChunkInput, ComputeChunkResult>(computeChunk, deps),
    recordBackfillWatermark: mapped<RecordBackfillWatermarkInput, Watermark | null>(recordBackfillWatermark, deps),
    materializeRange: mapped<MaterializeRangeInput, MaterializeRangeResult>(materializeRange, deps),
    checkFreshness: mapped<FreshnessCheckInput, FreshnessCheckResult>(checkFreshness, deps),
    sendFreshnessAlert: mapped<FreshnessAlertInput, void>(sendFreshnessAlert, deps),
    recordFreshnessAlert: mapped<RecordAlertInput, void>(recordFreshnessAlert, deps),
    checkDrift: mapped<DriftCheckInput, DriftCheckResult>(checkDrift, deps),
    sendDriftAlert: mapped<DriftAlertInput, void>(sendDriftAlert, deps),
    recordDriftAlert: mapped<RecordDriftAlertInput, void>(recordDriftAlert, deps),
    buildTrainingSet: mapped<TrainingSetInput, TrainingSetResult>(buildTrainingSet, deps),
    computeStats: mapped<ComputeStatsInput, ComputeStatsResult>(computeStats, deps),
    ingestStream: mapped<IngestStreamInput, IngestStreamResult>(ingestStream, deps),
  };
}
