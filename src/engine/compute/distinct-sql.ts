/**
 * count_distinct over sliding windows without carrying value sets through window frames (a `list` window
 * aggregate copies every value of every frame: ten times slower than everything else together).
 *
 * Every (entity, value, bucket c) occurrence counts at the ticks where it is the value's latest occurrence and
 * still inside the window: t in [c, end) with end = min(bucket of the value's next occurrence, c + w). So the
 * distinct count at t is (occurrences with c <= t) - (occurrences with end <= t): two running sums over the
 * timeline. The first is the running sum of each bucket's list length; this query yields the second as rows
 * (entity, position) with one count column per window. Only ticks read the sums, so each end moves up to the
 * first tick at or after it (a position the timeline has anyway); ends after the last tick never matter.
 */
import { ident, integer } from '../sql.js';
import { nextTickSql, type Ticks } from './time-sql.js';
import { BUCKET } from './column-set.js';

export interface DistinctDeltas {
  keys: string;
  partials: string;
  list: string;
  /** Output column per window. */
  minus: readonly string[];
  windowMicros: readonly number[];
  ticks: Ticks;
}

export function distinctDeltasSql(d: DistinctDeltas): string {
  const ends = d.windowMicros.map((w) =>
    nextTickSql(`least(coalesce(__ff_next, ${BUCKET} + ${integer(w)}), ${BUCKET} + ${integer(w)})`, d.ticks),
  );
  const counts = d.minus.map((name, j) => `count(*) FILTER (WHERE __ff_j = ${j}) AS ${name}`);
  return `SELECT ${d.keys}, __ff_end AS ${BUCKET}, ${counts.join(', ')}
    FROM (
      SELECT ${d.keys}, unnest([${ends.join(', ')}]) AS __ff_end, unnest(range(${d.windowMicros.length})) AS __ff_j
      FROM (
        SELECT ${d.keys}, ${BUCKET}, lead(${BUCKET}) OVER (PARTITION BY ${d.keys}, __ff_v ORDER BY ${BUCKET}) AS __ff_next
        FROM (SELECT ${d.keys}, ${BUCKET}, unnest(${d.list}) AS __ff_v FROM ${ident(d.partials)} WHERE ${d.list} IS NOT NULL)
      )
    )
    WHERE __ff_end IS NOT NULL
    GROUP BY ALL`;
}
