export { openEngine, closeEngine, type EngineContext } from './context.js';
export { Database, type DatabaseOptions } from './database.js';
export { getHistoricalFeatures, type HistoricalOptions } from './historical.js';
export { TrainingSet, outputFormatOf, type OutputFormat } from './training-set.js';
export type { EntityInput } from './entities.js';
export type { ProgressEvent, ProgressListener } from './progress.js';
export { describeSource, sourceRelation } from './sources.js';
export { InvalidRequestError, SourceError } from './errors.js';
export { UnsafeSqlError } from './sql-guard.js';
export { ident, literal, qualifiedIdent } from './sql.js';
export { computeFeatures, type ComputeOptions, type ComputeResult } from './compute/index.js';
export { computeViewStats, loadSnapshot, loadStats, saveSnapshot } from './stats/store.js';
export type { FeatureStats, NumericSketch, ViewStats } from './stats/types.js';
export {
  StreamPartials,
  type PartialRow,
  type PartialsResult,
  type StreamEvent,
  type StreamPartialsSpec,
} from './stream-partials.js';
export { streamTrainingSql, type StreamTrainingSpec } from './stream-training.js';
