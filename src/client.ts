/**
 * Starting and watching Featureflow workflows and Schedules from code and the CLI (the `featureflow/client` entry).
 * One module per concern under client/; this file only gathers them.
 */
export * from './client/connection.js';
export * from './client/backfill.js';
export * from './client/schedules.js';
export * from './client/schedule-plan.js';
export * from './client/training-set.js';
export * from './client/stream.js';
export * from './client/schedule-apply.js';
export { setupSearchAttributes, SETUP_COMMAND, type SetupResult } from './client/search-attributes.js';
