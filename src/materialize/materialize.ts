/** `materialize(views, start, end)`: a time range of each view to the online store (SPEC section 3). */
import {
  materializeView,
  selectOnlineViews,
  type MaterializeDeps,
  type MaterializeOptions,
  type ViewMaterialization,
} from './materialize-view.js';
import { recordWatermark } from './record-watermark.js';

/** Rows with start <= event < end, for the named (or all online) views. */
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
    // Which Redis process the rows go to, before the first of them: see WatermarkAdvance.serverRun.
    const serverRun = await deps.store.serverRun?.();
    const result = await materializeView(deps, view, start, end, options);
    await recordWatermark(deps, view, result, start, { onlyAdvance: options.onlyAdvanceWatermark, serverRun });
    results.push(result);
  }
  return results;
}
