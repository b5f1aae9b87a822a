/**
 * `materializeRange`: the existing materializer as an activity. With `start`, [start, end) of each view (a range run,
 * which also moves a watermark it joins up with); without, each view from its watermark up to `end` (incremental).
 * `end` always comes from the workflow (its nominal time), never from this activity's clock, so a retried or
 * replayed run materializes exactly the window it was scheduled for. Idempotent: writes are newer-wins and the
 * watermark only moves forward.
 */
import { z } from 'zod';
import { materialize } from '../materialize/materialize.js';
import { materializeIncremental } from '../materialize/materialize-incremental.js';
import { selectOnlineViews, type MaterializeDeps, type ViewMaterialization } from '../materialize/materialize-view.js';
import { FeatureflowError } from '../registry/errors.js';
import type {
  MaterializeRangeInput,
  MaterializeRangeResult,
  ViewMaterializationSummary,
} from '../workflows/contracts/materialize-incremental.js';
import { Instant, dateRange, instantDate, parseActivityInput } from './activity-input.js';
import type { ActivityDeps } from './deps.js';
import { withHeartbeats } from './heartbeat.js';
import { sendValidationAlert, stderrValidationLog, validationAlertPayload } from './validation-alert.js';

const InputSchema = z.strictObject({
  views: z.array(z.string().min(1)).optional(),
  start: Instant.optional(),
  end: Instant,
});

function parseInput(input: unknown): { views: string[] | undefined; start: Date | undefined; end: Date } {
  const parsed = parseActivityInput(InputSchema, 'materializeRange', input);
  const views = parsed.views?.length ? parsed.views : undefined;
  if (parsed.start === undefined) return { views, start: undefined, end: instantDate(parsed.end) };
  return { views, ...dateRange('materializeRange', parsed.start, parsed.end) };
}

export async function materializeRange(deps: ActivityDeps, input: MaterializeRangeInput): Promise<MaterializeRangeResult> {
  const t0 = performance.now();
  const req = parseInput(input);
  const where = { view: (req.views ?? ['(all online views)']).join(','), start: req.start?.toISOString() ?? 'watermark', end: req.end.toISOString() };
  return withHeartbeats({ phase: 'starting', ...where }, deps.heartbeatIntervalMs, async (beats) => {
    const ctx = await deps.resources.engine();
    const store = await deps.resources.store();
    const mdeps: MaterializeDeps = { ctx, store };
    // Unknown or offline views fail here, before anything is written (non-retryable).
    const views = selectOnlineViews(mdeps, req.views).map((v) => v.name);
    const options = {
      onProgress: (p: { view: string; rowsDone: number; rowsTotal: number }) =>
        beats.report({ phase: 'materialize', ...where, view: p.view, rowsDone: p.rowsDone, rowsTotal: p.rowsTotal }),
    };
    const done: ViewMaterialization[] = [];
    const failed: Array<{ view: string; error: unknown }> = [];
    // One view at a time, each on its own: a view is either done (watermark recorded) or not touched, and one broken
    // view (say, a computed view never computed) does not keep the others stale.
    for (const view of views) {
      beats.throwIfCancelled(`materializing "${view}"`);
      try {
        done.push(
          ...(req.start ? await materialize(mdeps, [view], req.start, req.end, options) : await materializeIncremental(mdeps, [view], req.end, options)),
        );
      } catch (error) {
        failed.push({ view, error });
      }
    }
    if (failed.length > 0) throw viewFailures(failed, views.length);
    const watermarks = await store.getWatermarks(ctx.repo.project);
    const summaries = views.map((view): ViewMaterializationSummary => {
      const m = done.find((r) => r.view === view);
      return {
        view,
        start: m?.start ?? null,
        end: req.end.toISOString(),
        upToDate: m === undefined,
        rowsRead: m?.rowsRead ?? 0,
        keysWritten: m?.keysWritten ?? 0,
        keysSkippedOlder: m?.keysSkippedOlder ?? 0,
        keysSkippedExpired: m?.keysSkippedExpired ?? 0,
        newestEvent: m?.newestEvent ?? null,
        watermark: watermarks.get(view)?.end ?? null,
        ...(m?.validationWarnings ? { validationWarnings: m.validationWarnings } : {}),
      };
    });
    for (const s of summaries) {
      if (!s.validationWarnings) continue;
      const payload = validationAlertPayload(ctx.repo.project, s.view, s.end, s.validationWarnings);
      await sendValidationAlert(payload, ctx.repo.alerts?.webhook, deps.validationLog ?? stderrValidationLog);
    }
    return { views: summaries, seconds: Math.round(performance.now() - t0) / 1000 };
  });
}

/**
 * The error for views that failed (the others were materialized and recorded). Retryable when any failure is (an
 * outage): the retry redoes only those, the rest are up to date by then. Otherwise the first failure's code, so the
 * workflow and the UI show why, with every failed view named.
 */
function viewFailures(failed: ReadonlyArray<{ view: string; error: unknown }>, total: number): unknown {
  const first = failed[0] as { view: string; error: unknown };
  if (failed.length === 1 && total === 1) return first.error;
  const retryable = failed.find((f) => !(f.error instanceof FeatureflowError) || f.error.retryable);
  const lines = failed.map((f) => `${f.view}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
  const message = `${failed.length} of ${total} views failed to materialize (the others were):\n  ${lines.join('\n  ')}`;
  const code = (retryable ?? first).error instanceof FeatureflowError ? ((retryable ?? first).error as FeatureflowError).code : 'MATERIALIZE_FAILED';
  return new FeatureflowError(code, message, { retryable: retryable !== undefined, cause: (retryable ?? first).error });
}
