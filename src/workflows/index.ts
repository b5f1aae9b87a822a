/** Every workflow the worker registers (its `workflowsPath` bundle starts here). */
export { backfill } from './backfill.js';
export { computeFeatures } from './compute-features.js';
