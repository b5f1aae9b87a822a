import { ApplicationFailure } from '@temporalio/common';
import { FeatureflowError } from '../../src/registry/errors.js';

/** The ApplicationFailure `fn` throws; fails the test if it throws anything else or nothing. */
export function failureOf(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected an ApplicationFailure');
}

/** The FeatureflowError `fn` throws; fails the test if it throws anything else or nothing. */
export function featureflowErrorOf(fn: () => unknown): FeatureflowError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FeatureflowError) return err;
    throw err;
  }
  throw new Error('expected a FeatureflowError');
}
