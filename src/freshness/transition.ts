/**
 * When a freshness check alerts. The rule compares the status found now with the last alert that was delivered
 * and recorded (not with the last check): a breach is alerted when a view is stale and its last alert was not a
 * breach (it was fresh or unknown before, or has never alerted); a recovery when a view is fresh again after a
 * breach. Nothing while a state lasts, and nothing for `unknown` (no data to judge). Because the alert state is
 * recorded only after delivery, an alert that failed for good is simply due again at the next check: never lost.
 * Dependency-free: the checkFreshness workflow runs it inside the sandbox.
 */
import type { AlertKind, FreshnessEntry } from '../workflows/contracts/check-freshness.js';

export function alertDue(entry: Pick<FreshnessEntry, 'status' | 'lastAlert'>): AlertKind | undefined {
  const last = entry.lastAlert?.status;
  if (entry.status === 'stale' && last !== 'stale') return 'breach';
  if (entry.status === 'fresh' && last === 'stale') return 'recovery';
  return undefined;
}

/** The status an alert of this kind records, and the `lastAlert.status` it leaves behind. */
export function alertedStatus(kind: AlertKind): 'stale' | 'fresh' {
  return kind === 'breach' ? 'stale' : 'fresh';
}

export interface DueAlert {
  kind: AlertKind;
  entry: FreshnessEntry;
}

/** Every alert a check calls for, in the order of its entries. */
export function alertsDue(entries: readonly FreshnessEntry[]): DueAlert[] {
  return entries.flatMap((entry) => {
    const kind = alertDue(entry);
    return kind ? [{ kind, entry }] : [];
  });
}
