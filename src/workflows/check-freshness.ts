/** PLACEHOLDER (being written): `checkFreshness({ views? })`. */
import { ApplicationFailure } from '@temporalio/workflow';
import type { CheckFreshnessInput, CheckFreshnessResult } from './contracts/check-freshness.js';

export async function checkFreshness(_input: CheckFreshnessInput = {}): Promise<CheckFreshnessResult> {
  throw ApplicationFailure.nonRetryable('checkFreshness is not implemented yet', 'NOT_IMPLEMENTED');
}
