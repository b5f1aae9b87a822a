/**
 * SQL for windowed aggregations (SPEC section 1), in two statements that never join an event to the ticks it
 * covers (with an hourly cadence and a 30-day window that would multiply the rows by 720):
 *
 * 1. partials: events are cut into buckets at the cut points C = {t} and {t - w} for every tick t of the range and
 *    window w; the bucket ending at c in C holds the events in (previous cut point, c]. Because t - w and t are
 *    both cut points, the events with t - w < e <= t are exactly those of the buckets with t - w < c <= t. Only
 *    events in (firstTick - maxWindow, lastTick] are read: nothing later than a tick can reach it, which makes
 *    the result point-in-time correct by construction. A range of one tick thus needs one bucket per window per
 *    entity, a long range at most one per cadence step.
 * 2. output: the ticks each entity needs (t has a row iff some bucket lies in (t - maxWindow, t]) are derived from
 *    the buckets as islands, so the grid costs no more than the output. Ticks and buckets then share one timeline
 *    per entity (one row per position), and each window is a DuckDB window aggregate over
 *    `RANGE BETWEEN (w - 1µs) PRECEDING AND CURRENT ROW`; only the tick rows are kept.
 * Window aggregates cost about the same per row and aggregate, so both the timeline's rows and the number of
 * distinct aggregates (column-set.ts) are kept as small as the result allows.
 */
import { aggregationColumnName } from '../../registry/features.js';
import type { AggregationFeature } from '../../registry/schema.js';
import { ident, integer } from '../sql.js';
import { planFeature } from './aggregates.js';
import type { ComputeInput } from './checks.js';
import { BUCKET, ColumnSet } from './column-set.js';
import { distinctDeltasSql } from './distinct-sql.js';
import { ceilTo, floorTo, type MicrosRange } from './range.js';
import { instantSql, nextTickSql, type Ticks } from './time-sql.js';

export const PARTIALS = '__ff_compute_partials';
export const OUTPUT = '__ff_compute_output';

export interface AggregationSpec {
  input: ComputeInput;
  features: readonly AggregationFeature[];
  /** As written in the registry (they name the columns). */
  windows: ReadonlyArray<string | number>;
  windowMicros: readonly number[];
  cadenceMicros: number;
  range: MicrosRange;
}

export interface AggregationSql {
  partials: string;
  output: string;
}

const EVENT = '__ff_e';
const TICK = '__ff_tick';

/** Bounds on the raw timestamp column DuckDB can push into the scan (Parquet row-group pruning). */
function pushdown(input: ComputeInput, lo: number, hi: number): string {
  const type = input.columns.get(input.timestampField) ?? '';
  if (!/^(TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_NS)$/.test(type)) return '';
  const ts = ident(input.timestampField);
  return `WHERE ${ts} > CAST(${instantSql(lo)} AS ${type}) AND ${ts} <= CAST(${instantSql(hi)} AS ${type})`;
}

export function aggregationSql(spec: AggregationSpec): AggregationSql {
  const { input } = spec;
  const ticks: Ticks = {
    first: ceilTo(spec.range.start, spec.cadenceMicros),
    // Without a tick in [start, end) last < first: no event qualifies and both statements yield nothing.
    last: floorTo(spec.range.end - 1, spec.cadenceMicros),
    cadence: spec.cadenceMicros,
  };
  const maxWindow = Math.max(...spec.windowMicros);
  const keys = input.joinKeys.map(ident).join(', ');
  const events = {
    eventMicros: EVENT,
    created: input.createdField ? `CAST(${ident(input.createdField)} AS TIMESTAMPTZ)` : undefined,
  };
  const columns = new ColumnSet(keys, spec.windowMicros.length);
  const finals = spec.features.flatMap((f) => {
    const plan = planFeature(f, events);
    return spec.windows.map((w, j) => `${plan(columns.forWindow(j))} AS ${ident(aggregationColumnName(f.name, w))}`);
  });

  const lo = ticks.first - maxWindow;
  const bucket = `least(${[0, ...spec.windowMicros].map((w) => nextTickSql(EVENT, ticks, w)).join(', ')})`;
  const partials = `CREATE OR REPLACE TEMP TABLE ${PARTIALS} AS
    SELECT *${columns.derivedColumns().map((c) => `, ${c}`).join('')}
    FROM (
      SELECT ${keys}, ${bucket} AS ${BUCKET}, ${columns.partialColumns().join(', ')}
      FROM (SELECT *, epoch_us(CAST(${ident(input.timestampField)} AS TIMESTAMPTZ)) AS ${EVENT}
            FROM ${input.relation} ${pushdown(input, lo, ticks.last)}) __ff_s
      WHERE ${EVENT} > ${integer(lo)} AND ${EVENT} <= ${integer(ticks.last)}
        AND ${input.joinKeys.map((k) => `${ident(k)} IS NOT NULL`).join(' AND ')}
      GROUP BY ALL
    ) __ff_a`;
  return { partials, output: outputSql(spec, ticks, keys, columns, finals) };
}

function outputSql(spec: AggregationSpec, ticks: Ticks, keys: string, columns: ColumnSet, finals: string[]): string {
  // A tick t needs a row iff some bucket c has t - maxWindow < c <= t, i.e. t in [c, c + span].
  const span = Math.max(...spec.windowMicros) - 1;
  const entity = `PARTITION BY ${keys} ORDER BY ${BUCKET}`;
  const frames = [
    ...spec.windowMicros.map((w, j) => `${ColumnSet.frame(j)} AS (${entity} RANGE BETWEEN ${integer(w - 1)} PRECEDING AND CURRENT ROW)`),
    `${ColumnSet.RUNNING} AS (${entity} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`,
  ];
  const distinct = columns.distinctLists().map((d, k) => ({
    name: `__ff_distinct_${k}`,
    minus: d.minus,
    sql: distinctDeltasSql({ keys, partials: PARTIALS, list: d.list, minus: d.minus, windowMicros: spec.windowMicros, ticks }),
  }));
  // One row per (entity, position): ticks, buckets and count_distinct deltas often fall on the same position, and
  // every row costs once per window aggregate.
  const using = `USING (${keys}, ${BUCKET})`;
  const joins = [
    `FULL JOIN (SELECT ${keys}, ${BUCKET}, ${columns.timelineInputs().join(', ')} FROM ${PARTIALS}) __ff_p ${using}`,
    ...distinct.map((d) => `FULL JOIN ${d.name} ${using}`),
  ];
  return `CREATE OR REPLACE TEMP TABLE ${OUTPUT} AS
    WITH flagged AS (
      SELECT ${keys}, ${BUCKET},
        CASE WHEN ${BUCKET} - lag(${BUCKET}) OVER (${entity}) <= ${integer(span)} THEN 0 ELSE 1 END AS __ff_new
      FROM ${PARTIALS}
    ), islands AS (
      SELECT ${keys}, ${BUCKET}, sum(__ff_new) OVER (${entity} ROWS UNBOUNDED PRECEDING) AS __ff_island FROM flagged
    ), spans AS (
      SELECT ${keys}, greatest(min(${BUCKET}), ${integer(ticks.first)}) AS __ff_lo,
        least(max(${BUCKET}) + ${integer(span)}, ${integer(ticks.last)}) AS __ff_hi
      FROM islands GROUP BY ${keys}, __ff_island
    ), grid AS (
      SELECT ${keys}, unnest(range(${nextTickSql('__ff_lo', ticks)}, __ff_hi + 1, ${integer(ticks.cadence)})) AS ${BUCKET}, TRUE AS ${TICK}
      FROM spans
    ),${distinct.map((d) => ` ${d.name} AS (${d.sql}),`).join('')} timeline AS (
      SELECT * FROM grid
      ${joins.join('\n      ')}
    ), windowed AS (
      SELECT ${keys}, ${BUCKET}, ${TICK}, ${columns.windowColumns().join(', ')}
      FROM timeline
      WINDOW ${frames.join(', ')}
    )
    SELECT ${keys}, CAST(make_timestamp(${BUCKET}) AS TIMESTAMPTZ) AS event_timestamp, ${finals.join(', ')}
    FROM windowed
    WHERE ${TICK} IS NOT NULL`;
}
