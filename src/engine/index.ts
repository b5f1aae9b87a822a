export { openEngine, closeEngine, type EngineContext } from './context.js';
export { Database, type DatabaseOptions } from './database.js';
export { getHistoricalFeatures, type HistoricalOptions } from './historical.js';
export { TrainingSet, outputFormatOf, type OutputFormat } from './training-set.js';
export type { EntityInput } from './entities.js';
export type { ProgressEvent, ProgressListener } from './progress.js';
export { describeSource, sourceRelation } from './sources.js';
export { InvalidRequestError, SourceError } from './errors.js';
export { ident, literal, qualifiedIdent } from './sql.js';
