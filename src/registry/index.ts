/**
 * The registry's public API: what a `featureflow.config.ts` imports (define helpers, types) and what the engine,
 * the API and the CLI use to load, validate, plan and store a repo.
 *
 * Temporal workflow code must not import this barrel: load.ts and store.ts use Node built-ins, which the workflow
 * sandbox rejects. Workflows import the pure modules (schema, features, duration, dtypes, errors) directly.
 */
export * from './schema.js';
export * from './stream-schema.js';
export * from './stream-tiles.js';
export * from './define.js';
export * from './error-codes.js';
export * from './errors.js';
export * from './duration.js';
export * from './dtypes.js';
export * from './features.js';
export * from './on-demand.js';
export * from './validate.js';
export * from './load.js';
export * from './plan.js';
export * from './store.js';
