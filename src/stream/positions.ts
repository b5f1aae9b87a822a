/**
 * Broker positions compared and merged the same way for every broker: a NATS stream sequence (`42`), a Kafka offset
 * (`42`) and a Redis Streams entry id (`1700000000000-3`) are all dash-separated unsigned integers compared part by
 * part, as BigInt so int64 Kafka offsets never lose digits.
 */
import type { Positions } from './types.js';

function parts(position: string): bigint[] {
  return position.split('-').map((p) => BigInt(p));
}

/**
 * A position of 1 to 15 digits as a number (exact as a double): the common case (NATS sequences, Kafka offsets),
 * compared without BigInt. Read by hand: a regex test and Number() of both sides cost more than the rest of a
 * message's bookkeeping.
 */
function smallPosition(position: string): number | undefined {
  const length = position.length;
  if (length === 0 || length > 15) return undefined;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = position.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n;
}

/** Negative when a is before b, 0 when equal (`0` equals `0-0`), positive when after. */
export function comparePositions(a: string, b: string): number {
  // Every message of a batch is compared (splitApplied): BigInt parts cost ~2 us a message.
  const x = smallPosition(a);
  const y = x === undefined ? undefined : smallPosition(b);
  if (x !== undefined && y !== undefined) return x - y;
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** True when `position` of `partition` was already applied according to `applied`. */
export function isApplied(applied: Positions, partition: string, position: string): boolean {
  const done = applied[partition];
  return done !== undefined && comparePositions(position, done) <= 0;
}

/**
 * `base` advanced by the greatest position of each partition in `messages`, keys in partition order: the state's
 * positions are compared as JSON text (compare-and-set), so the same positions must always print the same.
 */
export function advancePositions(base: Positions, messages: ReadonlyArray<{ partition: string; position: string }>): Positions {
  const next: Positions = { ...base };
  for (const m of messages) {
    const current = next[m.partition];
    if (current === undefined || comparePositions(m.position, current) > 0) next[m.partition] = m.position;
  }
  return canonicalPositions(next);
}

/** The same positions with keys in partition order (numeric when both are numbers). */
export function canonicalPositions(positions: Positions): Positions {
  const keys = Object.keys(positions).sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    return Number.isInteger(na) && Number.isInteger(nb) ? na - nb : a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Positions = {};
  for (const k of keys) out[k] = positions[k] as string;
  return out;
}

/**
 * One pass over a batch: the messages not yet applied according to `applied`, and the greatest position per
 * partition of them all (what to acknowledge once the batch is written).
 */
export function splitApplied<M extends { partition: string; position: string }>(applied: Positions, messages: readonly M[]): { fresh: M[]; last: Positions } {
  const fresh: M[] = [];
  const last: Positions = {};
  for (const m of messages) {
    if (!isApplied(applied, m.partition, m.position)) fresh.push(m);
    const current = last[m.partition];
    if (current === undefined || comparePositions(m.position, current) > 0) last[m.partition] = m.position;
  }
  return { fresh, last: canonicalPositions(last) };
}

/** The greater position of each partition of `a` and `b`, keys in partition order. */
export function maxPositions(a: Positions, b: Positions): Positions {
  return advancePositions(a, Object.entries(b).map(([partition, position]) => ({ partition, position })));
}

/** The greatest position per partition among `messages` (what to acknowledge after a batch). */
export function lastPositions(messages: ReadonlyArray<{ partition: string; position: string }>): Positions {
  return advancePositions({}, messages);
}
