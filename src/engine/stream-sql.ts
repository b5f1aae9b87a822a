/**
 * SQL shared by the two computations of a stream view, micro-batch partials (stream-partials.ts, what serving
 * merges) and training (stream-training.ts): the same event time, tile number and per-feature value and filter,
 * so both read each event the same way. Expressions are the repo's, spliced through expression() as the batch
 * engine does (src/engine/compute/aggregates.ts).
 */
import type { AggregationFeature } from '../registry/schema.js';
import { expression, ident, integer } from './sql.js';

/** Event time in epoch microseconds, as the batch engine reads it (aggregation-sql.ts). */
export function eventMicrosSql(timestampField: string): string {
  return `epoch_us(CAST(${ident(timestampField)} AS TIMESTAMPTZ))`;
}

/** floor(x / d) for BIGINT x and a positive d; DuckDB's `//` truncates toward zero, which is wrong below 0. */
export function floorDivSql(x: string, divisor: number): string {
  const d = integer(divisor);
  const v = `(${x})`;
  return `(CASE WHEN ${v} >= 0 THEN ${v} // ${d} ELSE -((-${v} - 1) // ${d}) - 1 END)`;
}

/** The value a feature aggregates (NULL for a count of events) and its filter (TRUE without one). */
export function featureValueSql(f: AggregationFeature): { value: string | undefined; filter: string } {
  return {
    value: f.column === undefined ? undefined : expression(f.column),
    filter: f.filter === undefined ? 'TRUE' : expression(f.filter),
  };
}

const NUMERIC_RE = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/i;

/** min and max of a stream view are numeric (tiles store doubles): true when DuckDB typed the column so. */
export function isNumericType(type: string): boolean {
  return NUMERIC_RE.test(type.trim());
}
