/**
 * How an activity error reaches Temporal. Our own errors carry a stable code and say whether retrying can help:
 * bad definitions, unknown views and invalid requests fail at once (non-retryable, the code as the failure type, so
 * the workflow and the UI show it); retryable ones (Redis unavailable) go through the retry policy under their code.
 * Anything else (an I/O error we did not foresee) stays retryable: the retry policy bounds the attempts.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FeatureflowError } from '../registry/errors.js';

export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (err instanceof FeatureflowError) {
    return ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable });
  }
  return err;
}
