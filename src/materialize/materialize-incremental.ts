/**
 * `materializeIncremental(views, end)`: each view from its watermark (first time: end - ttl, or its earliest row
 * when it has no TTL) to `end` (SPEC section 3). A view already materialized up to `end` is left alone.
 */
import { earliestEventTime } from '../engine/latest.js';
import { parseDuration } from '../registry/duration.js';
import { FeatureflowError } from '../registry/errors.js';
import { FUTURE_SKEW_MS } from '../registry/instant.js';
import {
  materializeView,
  selectOnlineViews,
  type MaterializeDeps,
  type MaterializeOptions,
  type ViewMaterialization,
} from './materialize-view.js';
import { recordWatermark } from './record-watermark.js';

export async function materializeIncremental(
  deps: MaterializeDeps,
  views: readonly string[] | undefined,
  end: Date,
  options: MaterializeOptions = {},
): Promise<ViewMaterialization[]> {
  const nowMs = Date.now();
  if (end.getTime() > nowMs + FUTURE_SKEW_MS) {
    throw new FeatureflowError(
      'END_IN_FUTURE',
      `END ${end.toISOString()} is later than now (${new Date(nowMs).toISOString()}): an incremental run records END as the ` +
        'point every later run starts from, so a future END would freeze the views until then; use an END up to now',
    );
  }
  const results: ViewMaterialization[] = [];
  for (const view of selectOnlineViews(deps, views)) {
    // Which Redis process the rows go to, taken before the watermark the run starts from is read: see
    // WatermarkAdvance.serverRun.
    const serverRun = await deps.store.serverRun?.();
    const previous = await deps.store.getWatermark(deps.ctx.repo.project, view.name);
    const ttl = view.ttl === undefined ? 0 : parseDuration(view.ttl);
    const start = previous
      ? new Date(previous.end)
      : ttl > 0
        ? new Date(end.getTime() - ttl * 1000)
        : await earliestEventTime(deps.ctx, view);
    if (start && start >= end) continue;
    const result = await materializeView(deps, view, start, end, options);
    await recordWatermark(deps, view, result, start, { serverRun });
    results.push(result);
  }
  return results;
}
