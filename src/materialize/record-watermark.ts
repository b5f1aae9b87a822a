/**
 * Recording a view's materialization watermark after its rows were all written (SPEC section 3), so a failure leaves
 * it where it was and the next run redoes the same range (writes are newer-wins, so redoing is harmless).
 *
 * Like Feast, a range run also counts as the last materialization, but only when it joins up with what was already
 * done: a far-off range must not make incremental runs skip the gap before it. That decision is made by the online
 * store against the watermark stored at the moment of the write (a compare-and-set), never against one read before
 * the run: two runs racing, or backfill chunks finishing out of order, can then never move a watermark back.
 */
import type { FeatureView } from '../registry/schema.js';
import type { Watermark } from '../online/types.js';
import type { MaterializeDeps, ViewMaterialization } from './materialize-view.js';

export function recordWatermark(
  deps: MaterializeDeps,
  view: FeatureView,
  result: ViewMaterialization,
  start: Date | undefined,
  options: { onlyAdvance?: boolean | undefined; serverRun?: string | undefined } = {},
): Promise<Watermark | undefined> {
  // A range run may end in the future (its rows are written all the same), but its watermark never passes now:
  // the next incremental run then starts at now and redoes the rest, which newer-wins writes make harmless.
  // Now exactly, not now plus the skew an incremental END is allowed: rows stamped a little ahead of our clock that
  // arrive later must still be in the next run's range.
  const now = Date.now();
  const end = Date.parse(result.end) > now ? new Date(now).toISOString() : result.end;
  return deps.store.advanceWatermark(deps.ctx.repo.project, view.name, {
    mode: options.onlyAdvance ? 'advance' : 'record',
    start: start?.toISOString(),
    end,
    newestEvent: result.newestEvent,
    // When the rows were written: the time since the last successful run is a freshness figure.
    at: new Date().toISOString(),
    // The store refuses the watermark when Redis restarted since the run's first write (rows may be lost).
    serverRun: options.serverRun,
  });
}
