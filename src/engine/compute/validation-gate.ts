/**
 * The validation gate of a computed view: each date's rows are judged before the writer puts them in place, so a
 * failed `block` rule leaves that date's previous files or manifest entries as they were (earlier dates of the
 * same run are already published: each date is replaced on its own, as a rerun would).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FeatureView } from '../../registry/schema.js';
import type { EngineContext } from '../context.js';
import { ident } from '../sql.js';
import { evaluateRules } from '../validation/evaluate.js';
import { enforceReport } from '../validation/gate.js';
import type { RuleResult } from '../validation/types.js';

export type DateGate = (conn: DuckDBConnection, select: string, date: string) => Promise<void>;

/** The gate for `view`, or undefined when it has no rules; failed warn rules are pushed onto `warnings`. */
export function computedViewGate(ctx: EngineContext, view: FeatureView, warnings: RuleResult[]): DateGate | undefined {
  const rules = view.validation ?? [];
  if (rules.length === 0) return undefined;
  const joinKeys = view.entities.flatMap((name) => ctx.repo.entities.find((e) => e.name === name)?.joinKeys ?? []);
  // A computed date holds many rows per entity: an example names the row by its join keys and event time.
  const keyColumns = [...joinKeys, 'event_timestamp'];
  const keyExpr = `concat_ws(',', ${keyColumns.map((k) => `CAST(${ident(k)} AS VARCHAR)`).join(', ')})`;
  return async (conn, select, date) => {
    const relation = { from: `(${select}) AS __ff_gate`, keyExpr, keyColumns };
    const report = await evaluateRules(conn, view.name, rules, relation);
    for (const result of enforceReport(report, `computing date=${date}`)) warnings.push(result);
  };
}
