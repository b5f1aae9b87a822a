/**
 * The created-time tie-break as one BIGINT, when the view's times allow it. ASOF orders by a single value: (event,
 * created) as a struct costs ~0.5 s more ASOF CPU than this key at 5M view rows (bench/pit/profile.ts prints both),
 * and a HUGEINT packing both measured no cheaper than the struct, so a view whose event and created times are
 * whole seconds between 1970 and 2038 (2106 for created) gets
 *
 *   key = event_seconds * 2^32 + (created_seconds + 1, or 0 without a created time)
 *
 * ordered exactly as (event, created) with a missing created time lowest, the struct path's order. Whether the
 * times fit is only known once they are read, so the join is tried with this key and a row that does not fit
 * stops it with KEY_MISFIT; the caller then runs the struct join instead (pit-join.ts). The first misfit ends
 * the statement, so views with finer times usually pay a few chunks, not a join.
 */
import { CREATED, TS } from './view-rows.js';

/** In the error a misfit row raises; never in a DuckDB message of its own. */
export const KEY_MISFIT = 'featureflow: event/created times do not fit a packed key';

export const KEY = '__ff_key';

const EPOCH = `TIMESTAMPTZ '1970-01-01 00:00:00+00'`;
/** 2^31 seconds: event seconds stay below 2^31 so key < 2^63. */
const EVENT_END = `TIMESTAMPTZ '2038-01-19 03:14:08+00'`;
const EVENT_END_US = '2147483648000000';
/** 2^32 - 1 seconds: created seconds + 1 stays below 2^32. */
const CREATED_END_US = '4294967295000000';
const LOW = '4294967296';
const US = '__ff_us';
const CREATED_US = '__ff_created_us';

/**
 * The view rows with `__ff_key` added: NULL for a row without event time (which then matches no entity time, as a
 * NULL time would not: pit-join.ts). The microseconds are taken once and checked as integers: the whole check
 * costs about as much as the key itself. epoch_us of an infinite time is NULL, which fails the check.
 */
export function withPackedKey(relation: string): string {
  const createdFits = `(${CREATED} IS NULL OR (${CREATED_US} >= 0 AND ${CREATED_US} < ${CREATED_END_US} AND ${CREATED_US} % 1000000 = 0))`;
  const key = `CASE WHEN ${TS} IS NULL THEN NULL
      WHEN ${US} >= 0 AND ${US} < ${EVENT_END_US} AND ${US} % 1000000 = 0 AND ${createdFits}
        THEN (${US} // 1000000) * ${LOW} + coalesce(${CREATED_US} // 1000000 + 1, 0)
      ELSE error('${KEY_MISFIT}') END`;
  const micros = `SELECT *, epoch_us(${TS}) AS ${US}, epoch_us(${CREATED}) AS ${CREATED_US} FROM ${relation}`;
  return `(SELECT * EXCLUDE (${US}, ${CREATED_US}), ${key} AS ${KEY} FROM (${micros}))`;
}

/**
 * The entity time as the greatest key at or before it: its whole second with every created time. Times before
 * 1970 precede every key, times from 2038 on follow every key (view times there are misfits), NULL matches nothing.
 */
export function entityKey(ts: string): string {
  return `CASE WHEN ${ts} IS NULL THEN NULL
      WHEN ${ts} < ${EPOCH} THEN -1
      WHEN ${ts} >= ${EVENT_END} THEN 9223372036854775807
      ELSE (epoch_us(${ts}) // 1000000) * ${LOW} + ${LOW} - 1 END`;
}

/**
 * The event time of a packed key, in microseconds: the TTL check reads it from the key, so the view rows need not
 * carry their event time through the ASOF join's sort as well (~10% of that join's CPU at 5M view rows).
 */
export function keyEventMicros(key: string): string {
  return `(${key} // ${LOW}) * 1000000`;
}
