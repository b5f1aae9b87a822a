/**
 * `materializeIncremental(views, end)`: each view from its watermark (first time: end - ttl, or its earliest row
 * when it has no TTL) to `end` (SPEC section 3). A view already materialized up to `end` is left alone.
 */
import { earliestEventTime } from '../engine/latest.js';
import { parseDuration } from '../registry/duration.js';
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
  const results: ViewMaterialization[] = [];
  for (const view of selectOnlineViews(deps, views)) {
    const previous = await deps.store.getWatermark(deps.ctx.repo.project, view.name);
    const ttl = view.ttl === undefined ? 0 : parseDuration(view.ttl);
    const start = previous
      ? new Date(previous.end)
      : ttl > 0
        ? new Date(end.getTime() - ttl * 1000)
        : await earliestEventTime(deps.ctx, view);
    if (start && start >= end) continue;
    const result = await materializeView(deps, view, start, end, options);
    await recordWatermark(deps, view, result, start);
    results.push(result);
  }
  return results;
}
