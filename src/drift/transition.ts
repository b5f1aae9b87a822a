/**
 * When a drift check alerts: when the level found now differs from the level of the last alert that was delivered
 * and recorded (a view that never alerted counts as `ok`). So ok -> warn or alert raises `drift`, warn <-> alert
 * raises `drift` again (the severity changed), and back to ok raises `recovery`; nothing while a level lasts.
 * Recording only after delivery makes an alert that failed for good due again at the next check, never lost.
 * Dependency-free: the checkDrift workflow runs it inside the sandbox.
 */
import type { DriftAlertKind, DriftEntry, DriftLevel } from '../workflows/contracts/check-drift.js';

export function driftAlertDue(entry: Pick<DriftEntry, 'report' | 'lastAlert'>): DriftAlertKind | undefined {
  const last: DriftLevel = entry.lastAlert?.level ?? 'ok';
  const now = entry.report.level;
  if (now === last) return undefined;
  return now === 'ok' ? 'recovery' : 'drift';
}

export interface DueDriftAlert {
  kind: DriftAlertKind;
  entry: DriftEntry;
}

/** Every alert a check calls for, in the order of its entries. */
export function driftAlertsDue(entries: readonly DriftEntry[]): DueDriftAlert[] {
  return entries.flatMap((entry) => {
    const kind = driftAlertDue(entry);
    return kind ? [{ kind, entry }] : [];
  });
}
