/**
 * Feature quality in the registry, per feature view: validation rules checked on the rows about to be materialized
 * (and on computed partitions before they are published), and the drift reference and thresholds. Defaults are
 * in DRIFT_DEFAULTS, documented in docs/feature-quality.md.
 */
import { z } from 'zod';
import { Duration, Name } from './primitives.js';

/** `block`: the rows are not written (0 keys), the run fails naming the rule; `warn`: an alert, and the run goes on. */
export const RuleAction = z.enum(['block', 'warn']).default('block');

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const ValidationRuleSchema = z.discriminatedUnion('rule', [
  z.strictObject({ rule: z.literal('notNull'), feature: Name, action: RuleAction }),
  z
    .strictObject({ rule: z.literal('range'), feature: Name, min: z.number().optional(), max: z.number().optional(), action: RuleAction })
    .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both'),
  z.strictObject({ rule: z.literal('in'), feature: Name, values: z.array(Scalar).min(1, 'list at least one value'), action: RuleAction }),
  z.strictObject({ rule: z.literal('maxNullRate'), feature: Name, max: z.number().min(0).max(1), action: RuleAction }),
  /** No two rows of one batch share the entity key (and `feature`'s value when given). */
  z.strictObject({ rule: z.literal('unique'), feature: Name.optional(), action: RuleAction }),
  z
    .strictObject({ rule: z.literal('rowCountBetween'), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), action: RuleAction })
    .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both'),
  /** A DuckDB boolean expression over a row's columns; rows where it is false (or NULL) fail. One expression, checked by sql-guard. */
  z.strictObject({ rule: z.literal('sql'), name: Name, predicate: z.string().min(1), action: RuleAction }),
]);

export type ValidationRule = z.output<typeof ValidationRuleSchema>;

const Threshold = z.number().min(0);

export const DriftConfigSchema = z.strictObject({
  /** What the current data is compared with: a fixed date range, or a snapshot saved with `featureflow stats snapshot`. */
  reference: z
    .union([z.strictObject({ start: z.string().min(1), end: z.string().min(1) }), z.strictObject({ snapshot: Name })])
    .optional(),
  psi: z.strictObject({ warn: Threshold.optional(), alert: Threshold.optional() }).optional(),
  /** A KS p-value below this is drift. */
  ksPValue: z.number().min(0).max(1).optional(),
  /** Jensen-Shannon distance for string features. */
  js: Threshold.optional(),
  /** Null-rate change in percentage points. */
  nullDeltaPoints: Threshold.optional(),
  /** How often the drift Schedule checks the view; absent: no drift Schedule. */
  checkEvery: Duration.optional(),
  /** The window of current data each check compares; default 1d. */
  window: Duration.optional(),
});

export type DriftConfig = z.output<typeof DriftConfigSchema>;

export const DRIFT_DEFAULTS = { psiWarn: 0.1, psiAlert: 0.25, ksPValue: 0.05, js: 0.1, nullDeltaPoints: 5, window: '1d' } as const;
