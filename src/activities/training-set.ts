/** PLACEHOLDER (being written): the buildTrainingSet activity of the trainingSet workflow. */
import { FeatureflowError } from '../registry/errors.js';
import type { TrainingSetInput, TrainingSetResult } from '../workflows/contracts/training-set.js';
import type { ActivityDeps } from './deps.js';

export async function buildTrainingSet(_deps: ActivityDeps, _input: TrainingSetInput): Promise<TrainingSetResult> {
  throw new FeatureflowError('NOT_IMPLEMENTED', 'buildTrainingSet is not implemented yet');
}
