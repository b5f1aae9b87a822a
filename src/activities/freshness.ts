/** PLACEHOLDER (being written): the freshness activities of the checkFreshness workflow. */
import { FeatureflowError } from '../registry/errors.js';
import type {
  FreshnessAlertInput,
  FreshnessCheckInput,
  FreshnessCheckResult,
  RecordAlertInput,
} from '../workflows/contracts/check-freshness.js';
import type { ActivityDeps } from './deps.js';

const notYet = (): never => {
  throw new FeatureflowError('NOT_IMPLEMENTED', 'freshness activities are not implemented yet');
};

export async function checkFreshness(_deps: ActivityDeps, _input: FreshnessCheckInput): Promise<FreshnessCheckResult> {
  return notYet();
}

export async function sendFreshnessAlert(_deps: ActivityDeps, _input: FreshnessAlertInput): Promise<void> {
  return notYet();
}

export async function recordFreshnessAlert(_deps: ActivityDeps, _input: RecordAlertInput): Promise<void> {
  return notYet();
}
