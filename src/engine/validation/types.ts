/** What the validation gate reports: one result per rule of a view, in registry order. */
import type { ValidationRule } from '../../registry/quality-schema.js';

export interface RuleExample {
  /** The row's entity key, as text (the online key layout when materializing, the join keys otherwise). */
  key: string;
  /** The checked feature's value as text; null for a NULL value or a rule without a feature. */
  value: string | null;
}

export interface RuleResult {
  /** Index of the rule in the view's `validation` list. */
  index: number;
  rule: ValidationRule['rule'];
  /** The feature the rule checks, or the name of a `sql` rule. */
  feature: string | null;
  action: 'block' | 'warn';
  /** Rows that broke the rule (for rowCountBetween: the row count when outside the bounds); 0 when it held. */
  failed: number;
  /** Up to EXAMPLES of the failing rows, in key order so a rerun on the same rows reports the same ones. */
  examples: RuleExample[];
  /** One line naming the rule, what it expected and what was found. */
  message: string;
}

export interface ValidationReport {
  view: string;
  rows: number;
  results: RuleResult[];
}

export const EXAMPLES = 5;

/** What the gate query counted, before the rules are judged on it. */
export interface PartialCounts {
  rows: number;
  /** Per rule: rows matching its failure predicate (nulls for maxNullRate, duplicates for unique). */
  matched: number[];
  examples: RuleExample[][];
}
