/**
 * Every workflow the worker registers (its `workflowsPath` bundle starts here). The exported names are the
 * registered workflow types: a public contract (Schedules, the UI and recorded histories name them), never renamed.
 */
export { backfill } from './backfill.js';
export { checkDrift } from './check-drift.js';
export { checkFreshness } from './check-freshness.js';
export { computeFeatures } from './compute-features.js';
export { materialize } from './materialize.js';
export { materializeIncremental } from './materialize-incremental.js';
export { streamIngest } from './stream-ingest.js';
export { trainingSet } from './training-set.js';
