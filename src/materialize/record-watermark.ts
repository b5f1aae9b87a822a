/**
 * Recording a view's materialization watermark after its rows were all written (SPEC section 3), so a failure leaves
 * it where it was and the next run redoes the same range (writes are newer-wins, so redoing is harmless).
 */
import type { FeatureView } from '../registry/schema.js';
import type { Watermark } from '../online/types.js';
import type { MaterializeDeps, ViewMaterialization } from './materialize-view.js';

function laterIso(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

export async function recordWatermark(
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
