/**
 * What the activities are built from (Temporal samples' factory pattern): only worker.ts passes the real
 * dependencies; tests pass fakes or gates. Everything but `resources`, `computeFeatures` and `computeDrift` has a default.
 */
import type { ComputeDriftFn } from '../drift/compute.js';
import type { DriftAlertLog } from '../drift/alert.js';
import type { EngineContext } from '../engine/context.js';
import type { FreshnessAlertLog } from '../freshness/alert.js';
import type { ProgressListener } from '../engine/progress.js';
import type { MaterializeDeps, MaterializeOptions, ViewMaterialization } from '../materialize/materialize-view.js';
import type { ActivityResources } from './resources.js';
import type { ValidationAlertLog } from './validation-alert.js';
import type { ValidationWarning } from '../workflows/contracts/materialize-incremental.js';
import type { StreamIngestStats } from '../workflows/contracts/stream-ingest.js';

/** The engine's `computeFeatures` (src/engine/compute): writes a computed view's offline rows for [start, end). */
export type ComputeFeaturesFn = (
  ctx: EngineContext,
  view: string,
  start: Date,
  end: Date,
  options?: { onProgress?: ProgressListener },
) => Promise<{ rowsWritten: number; files: string[]; validationWarnings?: ValidationWarning[] }>;

export type MaterializeFn = (
  deps: MaterializeDeps,
  views: readonly string[],
  start: Date,
  end: Date,
  options?: MaterializeOptions,
) => Promise<ViewMaterialization[]>;

/**
 * One call of the stream ingest loop (src/stream/ingest.ts `runStreamIngest`), bound to this worker's Redis and
 * broker readers: consumes `view` from the position stored with its tiles until `signal` aborts (then finishes or
 * abandons its current batch and returns its stats), reporting after every batch. Throws FeatureflowErrors with
 * their codes (a stale position, Redis or the broker unavailable: retryable; a bad definition: not).
 */
export type StreamIngestFn = (run: {
  ctx: EngineContext;
  view: string;
  signal: AbortSignal;
  onProgress: (stats: StreamIngestStats) => void;
}) => Promise<StreamIngestStats>;

export interface ActivityDeps {
  resources: ActivityResources;
  computeFeatures: ComputeFeaturesFn;
  /** The engine's computeDrift (src/engine/stats/drift.ts); worker.ts loads it lazily (driftEngine()). */
  computeDrift: ComputeDriftFn;
  /** Defaults to the range materialization of src/materialize (which moves, never starts, the view's watermark). */
  materialize?: MaterializeFn;
  /** Stream ingestion; a worker built without it fails `ingestStream` runs (non-retryable INVALID_WORKER_OPTIONS). */
  streamIngest?: StreamIngestFn;
  /** Defaults to a quarter of the activity's heartbeat timeout, at most 5 s. */
  heartbeatIntervalMs?: number;
  /** Where freshness alerts are logged (one structured record each); defaults to a JSON line on stderr. */
  alertLog?: (line: FreshnessAlertLog) => void;
  /** Where drift alerts are logged; defaults to a JSON line on stderr. */
  driftAlertLog?: (line: DriftAlertLog) => void;
  /** Where failed `warn` validation rules are logged; defaults to a JSON line on stderr. */
  validationLog?: (line: ValidationAlertLog) => void;
}


export type { ComputeDriftFn };
