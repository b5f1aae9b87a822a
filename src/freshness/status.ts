/**
 * One view's freshness from what is known about it: its definition, its materialization watermark, the last
 * alert sent and the check time. Pure, so the workflow's activity, `GET /freshness`, `/metrics` and the CLI give
 * the same answer for the same inputs.
 */
import type { AlertState, Watermark } from '../online/types.js';
import { parseDuration } from '../registry/duration.js';
import type { FeatureView } from '../registry/schema.js';
import type { FreshnessEntry, FreshnessStatus } from '../workflows/contracts/check-freshness.js';

/** The view's `freshness.maxStaleness` in seconds; null when it declares no SLA. */
export function maxStalenessSeconds(view: FeatureView): number | null {
  return view.freshness ? parseDuration(view.freshness.maxStaleness) : null;
}

/**
 * `unknown` until a materialization recorded a newest event (a watermark without one means runs wrote no rows:
 * there is no data whose age could be judged); `stale` only when the staleness is strictly over the SLA, so a
 * view exactly at its limit is still fresh; a view without an SLA is never stale.
 */
export function freshnessStatus(stalenessSeconds: number | null, maxSeconds: number | null): FreshnessStatus {
  if (stalenessSeconds === null) return 'unknown';
  return maxSeconds !== null && stalenessSeconds > maxSeconds ? 'stale' : 'fresh';
}

export function freshnessEntry(
  view: FeatureView,
  watermark: Watermark | undefined,
  lastAlert: AlertState | undefined,
  checkedAtMs: number,
): FreshnessEntry {
  const maxSeconds = maxStalenessSeconds(view);
  const newestEventTime = watermark?.newestEvent ?? null;
  const lastMaterializedAt = watermark?.at ?? null;
  const stalenessSeconds = secondsSince(newestEventTime, checkedAtMs);
  return {
    view: view.name,
    status: freshnessStatus(stalenessSeconds, maxSeconds),
    stalenessSeconds,
    maxStalenessSeconds: maxSeconds,
    newestEventTime,
    lastMaterializedAt,
    sinceLastMaterializationSeconds: secondsSince(lastMaterializedAt, checkedAtMs),
    checkedAt: new Date(checkedAtMs).toISOString(),
    lastAlert: lastAlert ? { status: lastAlert.status, at: lastAlert.at } : null,
  };
}

/**
 * Whole milliseconds as seconds, so equal inputs give equal JSON. Negative when the instant is after the check
 * (events stamped in the future, clocks apart): reported as it is rather than hidden, and never stale.
 */
function secondsSince(iso: string | null, checkedAtMs: number): number | null {
  if (iso === null) return null;
  return (checkedAtMs - Date.parse(iso)) / 1000;
}
