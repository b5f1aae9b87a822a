/**
 * Each aggregation function as mergeable partials: what is aggregated per (entity, time bucket) from the events,
 * and how the buckets of one window combine into the feature's value. Plans ask a `Columns` builder for columns,
 * which shares identical ones between features (avg and stddev of one column share their counts and sums).
 *
 * - count, sum, avg: window sums of bucket counts and sums;
 * - min, max: window min and max of the bucket values;
 * - stddev: per bucket n, mean and M2 (DuckDB's stable var_pop), merged with the parallel-variance formula
 *   around a per-entity shift k, so the subtraction never cancels the digits that matter (a naive sum of squares
 *   loses every digit of the variance of values like 1e9 + 1, 1e9 + 2);
 * - last: each bucket's latest (event time, created time, value), then the window's arg_max on event time: buckets
 *   hold disjoint times, so only the per-bucket pick needs the created-time and value tie-breaks;
 * - count_distinct: the bucket's distinct values, counted over the window by `Columns.distinctCount`.
 * Functions over a column skip events whose column is NULL (SQL semantics, as sum or min do); count without a
 * column counts events. Output types are fixed: counts BIGINT, sum/avg/stddev DOUBLE, min/max/last the column's.
 */
import type { AggregationFeature } from '../../registry/schema.js';
import { expression } from '../sql.js';

export type WindowAggregate = 'sum' | 'min' | 'max' | 'arg_max';

/** Column references for one window of one feature; the same SQL always yields the same column. */
export interface Columns {
  /** An aggregate over the events of a bucket. */
  partial(aggregateSql: string): string;
  /** An expression over partial columns of the same bucket. */
  derived(sql: string): string;
  /** A per-entity constant: the average of `column` over the entity's buckets. */
  entityAverage(column: string): string;
  /** A window aggregate over partial or derived columns, for this window. */
  window(aggregate: WindowAggregate, ...columns: string[]): string;
  /** Number of distinct values in this window, from a partial holding each bucket's distinct values as a list. */
  distinctCount(listColumn: string): string;
}

export interface EventColumns {
  /** Event time in microseconds (BIGINT). */
  eventMicros: string;
  /** Created time (TIMESTAMPTZ expression), when the source has one. */
  created: string | undefined;
}

function where(...conditions: Array<string | undefined>): string {
  const present = conditions.filter((c): c is string => c !== undefined);
  return present.length === 0 ? '' : ` FILTER (WHERE ${present.join(' AND ')})`;
}

/** The feature's value for one window, as SQL over the columns it asks `c` for. */
export type FeaturePlan = (c: Columns) => string;

export function planFeature(f: AggregationFeature, events: EventColumns): FeaturePlan {
  const filter = f.filter === undefined ? undefined : expression(f.filter);
  // Validation guarantees a column for every function but count.
  const x = f.column === undefined ? undefined : expression(f.column);
  const value = x ?? 'NULL';
  const sum = `sum(CAST(${value} AS DOUBLE))${where(filter)}`;
  const count = `count(${x ?? '*'})${where(filter)}`;
  switch (f.function) {
    case 'count':
      return (c) => `CAST(coalesce(${c.window('sum', c.partial(count))}, 0) AS BIGINT)`;
    case 'sum':
      return (c) => `CAST(${c.window('sum', c.partial(sum))} AS DOUBLE)`;
    case 'avg':
      return (c) => `CAST(${c.window('sum', c.partial(sum))} / nullif(${c.window('sum', c.partial(count))}, 0) AS DOUBLE)`;
    case 'min':
    case 'max': {
      const fn = f.function;
      return (c) => c.window(fn, c.partial(`${fn}(${value})${where(filter)}`));
    }
    case 'stddev':
      return (c) => {
        const n = c.partial(count);
        const mean = c.partial(`avg(CAST(${value} AS DOUBLE))${where(filter)}`);
        const m2 = c.partial(`var_pop(CAST(${value} AS DOUBLE))${where(filter)} * ${count}`);
        const k = c.entityAverage(mean);
        const [wn, wq, wd] = [
          c.window('sum', n),
          c.window('sum', c.derived(`${m2} + ${n} * pow(${mean} - ${k}, 2)`)),
          c.window('sum', c.derived(`${n} * (${mean} - ${k})`)),
        ];
        return `CASE WHEN ${wn} >= 2 THEN CAST(sqrt(greatest((${wq} - ${wd} * ${wd} / ${wn}) / (${wn} - 1), 0)) AS DOUBLE) END`;
      };
    case 'count_distinct':
      return (c) =>
        `CAST(coalesce(${c.distinctCount(c.partial(`list(DISTINCT ${value})${where(filter, `${value} IS NOT NULL`)}`))}, 0) AS BIGINT)`;
    case 'last': {
      // Exact ties on (event, created) go to the greatest value, so the result never depends on scan order.
      const created = events.created ? `c := coalesce(${events.created}, '-infinity'::TIMESTAMPTZ), ` : '';
      const best = `max(struct_pack(e := ${events.eventMicros}, ${created}v := ${value}))${where(filter, `${value} IS NOT NULL`)}`;
      return (c) => {
        const latest = c.partial(best);
        return c.window('arg_max', c.derived(`struct_extract(${latest}, 'v')`), c.derived(`struct_extract(${latest}, 'e')`));
      };
    }
  }
}
