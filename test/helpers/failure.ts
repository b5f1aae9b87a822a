import { ApplicationFailure } from '@temporalio/common';

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
