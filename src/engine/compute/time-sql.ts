/** SQL for instants and tick positions, in epoch microseconds (BIGINT) like every position of the computation. */
import { integer } from '../sql.js';

/** The ticks of a range: firstTick, firstTick + cadence, ..., lastTick (none when lastTick < firstTick). */
export interface Ticks {
  first: number;
  last: number;
  cadence: number;
}

/** `make_timestamp` takes epoch microseconds; the session time zone is UTC (database.ts). */
export function instantSql(micros: number): string {
  return `CAST(make_timestamp(${integer(micros)}::BIGINT) AS TIMESTAMPTZ)`;
}

/** Multiple of `step` at or after the BIGINT `x`; correct whatever sign convention `%` has for negatives. */
export function ceilSql(x: string, step: number): string {
  return `(${x} + ((${integer(step)} - ${x} % ${integer(step)}) % ${integer(step)}))`;
}

/** The first of the ticks shifted back by `offset` at or after `x`; NULL after the last. */
export function nextTickSql(x: string, ticks: Ticks, offset = 0): string {
  const [first, last] = [ticks.first - offset, ticks.last - offset];
  return `CASE WHEN ${x} <= ${integer(first)} THEN ${integer(first)} WHEN ${x} <= ${integer(last)} THEN ${integer(first)} + ${ceilSql(`(${x} - ${integer(first)})`, ticks.cadence)} END`;
}

