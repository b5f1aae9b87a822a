/**
 * The one module the worker, the client, the CLI and the workflows share (Temporal samples' `shared.ts`): the task
 * queue and, re-exported from one module per workflow under `contracts/`, every workflow's input and result types,
 * signals, queries and ids. It lives among the workflows so the workflow lint rules (no Node built-ins, no I/O
 * packages) guard it too: it is bundled into the workflow sandbox. Every input is plain JSON (ISO-8601 strings for
 * instants, durations like `1d`), because the Temporal UI's "Start Workflow" form sends exactly one JSON payload.
 */
export * from './contracts/backfill.js';
export * from './contracts/check-freshness.js';
export * from './contracts/compute-features.js';
export * from './contracts/materialize.js';
export * from './contracts/materialize-incremental.js';
export * from './contracts/search-attributes.js';
export * from './contracts/stream-ingest.js';
export * from './contracts/training-set.js';

export const DEFAULT_TASK_QUEUE = 'featureflow';

/**
 * FEATUREFLOW_TASK_QUEUE, else `featureflow`. `process` does not exist inside the workflow sandbox, hence the
 * typeof guard; workflows never read this value anyway (their activities run on their own task queue).
 */
export const TASK_QUEUE: string =
  (typeof process !== 'undefined' && process.env?.FEATUREFLOW_TASK_QUEUE) || DEFAULT_TASK_QUEUE;
