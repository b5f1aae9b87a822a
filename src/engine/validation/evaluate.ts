/** Runs the gate query on a connection and judges the counts against the rules. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValidationRule } from '../../registry/quality-schema.js';
import { duplicatesQuery, examplesQuery, failurePredicate, gateQuery, type GateRelation } from './rule-sql.js';
import { type PartialCounts, type RuleExample, type RuleResult, type ValidationReport } from './types.js';

function examplesOf(value: unknown): RuleExample[] {
  if (!Array.isArray(value)) return [];
  return value.map((e: { k?: unknown; v?: unknown }) => ({ key: String(e.k ?? ''), value: e.v === null || e.v === undefined ? null : String(e.v) }));
}

/** Whether matching rows make the rule fail (NULLs under a maxNullRate are allowed). */
function breaks(rule: ValidationRule, rows: number, matched: number): boolean {
  return rule.rule === 'maxNullRate' ? rows > 0 && matched / rows > rule.max : matched > 0;
}

export async function countFailures(conn: DuckDBConnection, rules: readonly ValidationRule[], relation: GateRelation): Promise<PartialCounts> {
  const reader = await conn.runAndReadAll(gateQuery(rules, relation));
  const row = (reader.getRowObjectsJS()[0] ?? {}) as Record<string, unknown>;
  const counts: PartialCounts = { rows: Number(row.n ?? 0), matched: rules.map((_, i) => Number(row[`m${i}`] ?? 0)), examples: [] };
  const failed = rules.flatMap((rule, i) => (failurePredicate(rule) !== undefined && breaks(rule, counts.rows, counts.matched[i] ?? 0) ? [i] : []));
  const found: Record<string, unknown> =
    failed.length === 0 ? {} : ((await conn.runAndReadAll(examplesQuery(rules, failed, relation))).getRowObjectsJS()[0] ?? {});
  for (const [i, rule] of rules.entries()) {
    const matched = counts.matched[i] ?? 0;
    let examples = examplesOf(found[`e${i}`]);
    if (rule.rule === 'unique' && matched > 0) {
      const dupes = await conn.runAndReadAll(duplicatesQuery(rule, relation));
      examples = examplesOf(dupes.getRowObjectsJS());
    }
    counts.examples.push(examples);
  }
  return counts;
}

function judge(rule: ValidationRule, index: number, rows: number, matched: number, examples: RuleExample[]): RuleResult {
  const feature = rule.rule === 'sql' ? rule.name : (('feature' in rule ? rule.feature : undefined) ?? null);
  const base = { index, rule: rule.rule, feature, action: rule.action };
  const of = feature === null ? '' : ` "${feature}"`;
  switch (rule.rule) {
    case 'maxNullRate': {
      const rate = rows === 0 ? 0 : matched / rows;
      const failed = breaks(rule, rows, matched) ? matched : 0;
      return { ...base, failed, examples: failed ? examples : [], message: `maxNullRate${of}: ${matched} of ${rows} rows NULL (${(rate * 100).toFixed(2)}%, max ${rule.max * 100}%)` };
    }
    case 'rowCountBetween': {
      const outside = (rule.min !== undefined && rows < rule.min) || (rule.max !== undefined && rows > rule.max);
      return { ...base, failed: outside ? Math.max(rows, 1) : 0, examples: [], message: `rowCountBetween: ${rows} rows (expected ${rule.min ?? 0}..${rule.max ?? 'any'})` };
    }
    default: {
      const what = { notNull: 'NULL', range: 'out of range', in: 'not in the allowed values', unique: 'duplicated', sql: 'not matching the predicate' }[rule.rule];
      return { ...base, failed: matched, examples, message: `${rule.rule}${of}: ${matched} of ${rows} rows ${what}` };
    }
  }
}

export function judgeCounts(view: string, rules: readonly ValidationRule[], counts: PartialCounts): ValidationReport {
  return {
    view,
    rows: counts.rows,
    results: rules.map((rule, i) => judge(rule, i, counts.rows, counts.matched[i] ?? 0, counts.examples[i] ?? [])),
  };
}

/** One query over `relation`, judged: the whole gate for rows staged on a single connection. */
export async function evaluateRules(conn: DuckDBConnection, view: string, rules: readonly ValidationRule[], relation: GateRelation): Promise<ValidationReport> {
  return judgeCounts(view, rules, await countFailures(conn, rules, relation));
}
