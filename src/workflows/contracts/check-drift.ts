/** The `checkDrift` workflow's contract, and the activities it runs (check and store, alert, record the alert). */
import type { DriftLevel, DriftReport } from '../../engine/stats/types.js';

export type { DriftLevel, DriftReport };

export interface CheckDriftInput {
  /** Views to check; default every view of the worker's repo with a `drift.reference`. */
  views?: string[];
}

/** The last alert sent for a view: the level it announced (`ok` for a recovery). */
export interface DriftAlertState {
  level: DriftLevel;
  at: string;
}

/** One view's latest drift check: what `GET /drift`, `featureflow drift` and the workflow report alike. */
export interface DriftEntry {
  view: string;
  /** The workflow's clock at the check; the current window ends here. */
  checkedAt: string;
  report: DriftReport;
  lastAlert: DriftAlertState | null;
}

/** `drift`: the level rose or moved between warn and alert; `recovery`: back to ok after an alert. */
export type DriftAlertKind = 'drift' | 'recovery';

/** `checkDrift` activity input: the check time comes from the workflow, never from the activity's clock. */
export interface DriftCheckInput {
  views?: string[];
  checkedAt: string;
}

export interface DriftCheckResult {
  project: string;
  entries: DriftEntry[];
}

/** `sendDriftAlert`: a log line, and a JSON POST to `alerts.webhook` when configured. */
export interface DriftAlertInput {
  project: string;
  kind: DriftAlertKind;
  entry: DriftEntry;
}

/** `recordDriftAlert`: remembers the alerted level so the next check alerts only on the next change. */
export interface RecordDriftAlertInput {
  view: string;
  level: DriftLevel;
  at: string;
}

export interface CheckDriftResult {
  checkedAt: string;
  entries: DriftEntry[];
  alerts: Array<{ view: string; kind: DriftAlertKind; level: DriftLevel }>;
}
