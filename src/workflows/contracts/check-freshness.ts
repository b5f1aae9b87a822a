/** The `checkFreshness` workflow's contract, and the activities it runs (check, alert, record the alert). */
import type { FreshnessStatus } from '../../online/types.js';

export type { FreshnessStatus };

export interface CheckFreshnessInput {
  /** Views to check; default every online view of the worker's repo. */
  views?: string[];
}

/** One view's freshness: what `GET /freshness`, `featureflow freshness` and the workflow report alike. */
export interface FreshnessEntry {
  view: string;
  /** `unknown`: never materialized (no newest event recorded); `stale`: staleness over maxStaleness. */
  status: FreshnessStatus;
  /** checkedAt - newestEventTime, in seconds; null when unknown. */
  stalenessSeconds: number | null;
  /** The view's `freshness.maxStaleness`; null when it declares none (it is then never stale). */
  maxStalenessSeconds: number | null;
  /** Newest materialized event time, ISO-8601. */
  newestEventTime: string | null;
  /** When the last successful materialization finished, ISO-8601. */
  lastMaterializedAt: string | null;
  /** checkedAt - lastMaterializedAt, in seconds. */
  sinceLastMaterializationSeconds: number | null;
  checkedAt: string;
  /** The last alert sent for the view: `stale` (a breach) or `fresh` (a recovery). */
  lastAlert: { status: 'stale' | 'fresh'; at: string } | null;
}

export type AlertKind = 'breach' | 'recovery';

/** `checkFreshness` activity input: the check time comes from the workflow, never from the activity's clock. */
export interface FreshnessCheckInput {
  views?: string[];
  checkedAt: string;
}

export interface FreshnessCheckResult {
  project: string;
  entries: FreshnessEntry[];
}

/** `sendFreshnessAlert`: a log line, and a JSON POST to `alerts.webhook` when configured. */
export interface FreshnessAlertInput {
  project: string;
  kind: AlertKind;
  entry: FreshnessEntry;
}

/** `recordFreshnessAlert`: remembers the alert so the next check alerts only on the next change. */
export interface RecordAlertInput {
  view: string;
  status: 'stale' | 'fresh';
  at: string;
}

export interface CheckFreshnessResult {
  checkedAt: string;
  entries: FreshnessEntry[];
  alerts: Array<{ view: string; kind: AlertKind }>;
}
