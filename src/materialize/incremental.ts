/**
 * Range and incremental materialization with per-view watermarks (SPEC section 3). A watermark moves only after
 * a view's rows were all written, so a failure leaves it where it was and the next run redoes the same range
 * (writes are newer-wins, so redoing is harmless).
 */
import { earliestEventTime } from '../engine/latest.js';
import { parseDuration } from '../registry/duration.js';
import type { FeatureView } from '../registry/schema.js';
import type { Watermark } from '../online/types.js';
import {
  materializeView,
  selectOnlineViews,
  type MaterializeDeps,
  type MaterializeOptions,
  type ViewMaterialization,
} from './materialize.js';

function laterIso(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

async function recordWatermark(
  deps: MaterializeDeps,
  view: FeatureView,
  previous: Watermark | undefined,
  result: ViewMaterialization,
  start: Date | undefined,
  onlyAdvance = false,
): Promise<void> {
  const project = deps.ctx.repo.project;
  if (!previous && onlyAdvance) return;
  // Like Feast, a range run also counts as the last materialization, but only when it joins up with what was
  // already done: a far-off range must not make incremental runs skip the gap before it.
  const contiguous = !previous || (start !== undefined && Date.parse(previous.end) >= start.getTime());
  const end = contiguous ? laterIso(previous?.end, result.end) ?? result.end : previous.end;
  const newestEvent = laterIso(previous?.newestEvent, result.newestEvent);
  await deps.store.setWatermark(project, view.name, {
    end,
    at: new Date().toISOString(),
    ...(newestEvent ? { newestEvent } : {}),
  });
}

/** `materialize(views, start, end)`: rows with start <= event < end, for the named (or all online) views. */
export async function materialize(
  deps: MaterializeDeps,
  views: readonly string[] | undefined,
  start: Date,
  end: Date,
  options: MaterializeOptions = {},
): Promise<ViewMaterialization[]> {
  if (!(start < end)) throw new RangeError(`start ${start.toISOString()} must be before end ${end.toISOString()}`);
  const results: ViewMaterialization[] = [];
  for (const view of selectOnlineViews(deps, views)) {
    const previous = await deps.store.getWatermark(deps.ctx.repo.project, view.name);
    const result = await materializeView(deps, view, start, end, options);
    await recordWatermark(deps, view, previous, result, start, options.onlyAdvanceWatermark);
    results.push(result);
  }
  return results;
}

/**
 * `materializeIncremental(views, end)`: each view from its watermark (first time: end - ttl, or its earliest row
 * when it has no TTL) to `end`. A view already materialized up to `end` is left alone.
 */
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
    await recordWatermark(deps, view, previous, result, start);
    results.push(result);
  }
  return results;
}
