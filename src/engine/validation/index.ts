export { countFailures, evaluateRules, judgeCounts } from './evaluate.js';
export { describeResult, enforceReport, ValidationFailedError } from './gate.js';
export { gateQuery, type GateRelation } from './rule-sql.js';
export type { RuleExample, RuleResult, ValidationReport } from './types.js';
