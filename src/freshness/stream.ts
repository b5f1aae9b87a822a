/**
 * The freshness of a view on a stream source, from its ingestion state (stream-tiles.ts) instead of a
 * materialization watermark: such a view is never materialized, its tiles are updated as events arrive.
 *   stalenessSeconds                 check time - caughtUpAt: since its consumer last had nothing pending in the
 *                                    broker (everything published until then is served). The same instant serving
 *                                    judges OUTSIDE_MAX_AGE by (stream-read.ts), so `stale` here and OUTSIDE_MAX_AGE
 *                                    there go together. null (status unknown) before the consumer first caught up.
 *   newestEventTime                  the watermark: the newest event time applied to the tiles
 *   lastMaterializedAt               the last batch or empty poll the consumer recorded (updatedAt): a live consumer
 *                                    moves it every poll, so an old one means the consumer is not running
 */
import type { StoredStreamState } from '../online/stream-tiles.js';
import type { AlertState } from '../online/types.js';
import type { FeatureView } from '../registry/schema.js';
import type { FreshnessEntry } from '../workflows/contracts/check-freshness.js';
import { freshnessStatus, maxStalenessSeconds } from './status.js';

function isoOrNull(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

export function streamFreshnessEntry(
  view: FeatureView,
  state: StoredStreamState | undefined,
  lastAlert: AlertState | undefined,
  checkedAtMs: number,
): FreshnessEntry {
  const maxSeconds = maxStalenessSeconds(view);
  const caughtUpAtMs = state?.caughtUpAtMs ?? 0;
  const updatedAtMs = state?.updatedAtMs ?? 0;
  const stalenessSeconds = caughtUpAtMs > 0 ? (checkedAtMs - caughtUpAtMs) / 1000 : null;
  return {
    view: view.name,
    status: freshnessStatus(stalenessSeconds, maxSeconds),
    stalenessSeconds,
    maxStalenessSeconds: maxSeconds,
    newestEventTime: isoOrNull(Math.floor((state?.watermarkMicros ?? 0) / 1000)),
    lastMaterializedAt: isoOrNull(updatedAtMs),
    sinceLastMaterializationSeconds: updatedAtMs > 0 ? (checkedAtMs - updatedAtMs) / 1000 : null,
    checkedAt: new Date(checkedAtMs).toISOString(),
    lastAlert: lastAlert ? { status: lastAlert.status, at: lastAlert.at } : null,
  };
}
