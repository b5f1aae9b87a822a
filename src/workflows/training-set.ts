/** PLACEHOLDER (being written): `trainingSet({ entities, features | featureService, out, ... })`. */
import { ApplicationFailure } from '@temporalio/workflow';
import type { TrainingSetInput, TrainingSetResult } from './contracts/training-set.js';

export async function trainingSet(_input: TrainingSetInput): Promise<TrainingSetResult> {
  throw ApplicationFailure.nonRetryable('trainingSet is not implemented yet', 'NOT_IMPLEMENTED');
}
