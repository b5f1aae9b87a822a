/**
 * What a report means for a run: any failed `block` rule stops it with VALIDATION_FAILED (not retryable: the same
 * rows would fail again) naming each rule, feature and examples; failed `warn` rules are handed back to alert on.
 */
import { FeatureflowError } from '../../registry/errors.js';
import type { RuleResult, ValidationReport } from './types.js';

export class ValidationFailedError extends FeatureflowError {
  constructor(
    readonly report: ValidationReport,
    where: string,
  ) {
    const blocked = report.results.filter((r) => r.action === 'block' && r.failed > 0);
    super('VALIDATION_FAILED', `validation gate blocked ${where} of view "${report.view}" (nothing written):\n  ${blocked.map(describeResult).join('\n  ')}`);
  }
}

export function describeResult(result: RuleResult): string {
  const examples = result.examples.map((e) => `${e.key}${e.value === null ? '' : `=${e.value}`}`).join(', ');
  return `validation[${result.index}] ${result.message}${examples ? `; e.g. ${examples}` : ''}`;
}

/** Throws when a block rule failed; otherwise returns the failed warn rules (empty when everything held). */
export function enforceReport(report: ValidationReport, where: string): RuleResult[] {
  if (report.results.some((r) => r.action === 'block' && r.failed > 0)) throw new ValidationFailedError(report, where);
  return report.results.filter((r) => r.failed > 0);
}
