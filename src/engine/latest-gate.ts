/**
 * The validation gate of a materialization, over the latest rows staged by latest.ts (temp tables of `k`, the
 * encoded key, and `best`, a struct of the features `f<i>` and join keys `__j<i>`). Temp tables belong to the
 * connection that made them, so each connection counts its own partitions and the counts are merged: a key's
 * rows are in one partition, so per-key rules (unique) merge exactly.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValidationRule } from '../registry/quality-schema.js';
import { ident, literal } from './sql.js';
import { countFailures, judgeCounts, mergeCounts } from './validation/evaluate.js';
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

function stagedRelation(tables: readonly string[], layout: StagedLayout): GateRelation {
  const union = tables.map((t) => `SELECT k, best FROM ${ident(t)}`).join(' UNION ALL ');
  const columns = [
    's.k AS __ff_key',
    ...layout.joinKeys.map((k, i) => `struct_extract(s.best, ${literal(`__j${i}`)}) AS ${ident(k)}`),
    ...layout.features.map((f, i) => `struct_extract(s.best, ${literal(`f${i}`)}) AS ${ident(f)}`),
  ];
  return { from: `(SELECT ${columns.join(', ')} FROM (${union}) s) AS __ff_gate`, keyExpr: '__ff_key', keyColumns: ['__ff_key'] };
}

/** Counts on every connection at once (each over the tables it staged), merged and judged. */
export async function gateStagedRows(
  view: string,
  rules: readonly ValidationRule[],
  staged: ReadonlyArray<{ conn: DuckDBConnection; tables: string[] }>,
  layout: StagedLayout,
): Promise<ValidationReport> {
  const parts = await Promise.all(
    staged.filter((s) => s.tables.length > 0).map((s) => countFailures(s.conn, rules, stagedRelation(s.tables, layout))),
  );
  const empty = { rows: 0, matched: rules.map(() => 0), examples: rules.map(() => []) };
  return judgeCounts(view, rules, parts.reduce(mergeCounts, empty));
}
