/** The public API: repo definition helpers and the registry, and the offline engine. */
export * from './registry/index.js';
export {
  openEngine,
  closeEngine,
  getHistoricalFeatures,
  TrainingSet,
  type EngineContext,
  type EntityInput,
  type HistoricalOptions,
  type DatabaseOptions,
  type ProgressEvent,
} from './engine/index.js';
