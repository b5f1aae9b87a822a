/**
 * The validation gate of a materialization, over the latest rows staged by latest.ts: a temp table of `k`, the
 * encoded key, and `best`, a struct of the features `f<i>` and join keys `__j<i>`, one row per entity.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValidationRule } from '../registry/quality-schema.js';
import { ident, literal } from './sql.js';
import { evaluateRules } from './validation/evaluate.js';
import type { GateRelation } from './validation/rule-sql.js';
import type { ValidationReport } from './validation/types.js';

export interface StagedLayout {
  features: readonly string[];
  joinKeys: readonly string[];
}

/** The struct fields the staging query must add so rules can see the join keys. */
export function joinKeyFields(joinKeys: readonly string[], column: (k: string) => string): string[] {
  return joinKeys.map((k, i) => `${ident(`__j${i}`)} := ${column(k)}`);
}

function stagedRelation(table: string, layout: StagedLayout): GateRelation {
  const columns = [
    's.k AS __ff_key',
    ...layout.joinKeys.map((k, i) => `struct_extract(s.best, ${literal(`__j${i}`)}) AS ${ident(k)}`),
    ...layout.features.map((f, i) => `struct_extract(s.best, ${literal(`f${i}`)}) AS ${ident(f)}`),
  ];
  // The row's event time under the name computed rows give it, so one predicate reads the same in both places.
  if (![...layout.features, ...layout.joinKeys].includes('event_timestamp')) columns.push(`struct_extract(s.best, '__t') AS event_timestamp`);
  // Staging groups by entity key: `unique` holds by construction and costs nothing here.
  return { from: `(SELECT ${columns.join(', ')} FROM ${ident(table)} s) AS __ff_gate`, keyExpr: '__ff_key', keyColumns: ['__ff_key'], uniqueKeys: true };
}

export async function gateStagedRows(
  conn: DuckDBConnection,
  view: string,
  rules: readonly ValidationRule[],
  table: string,
  layout: StagedLayout,
): Promise<ValidationReport> {
  return evaluateRules(conn, view, rules, stagedRelation(table, layout));
}
