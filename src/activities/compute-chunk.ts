/**
 * `computeChunk`: one chunk of a backfill (or a whole computeFeatures run). Computes a computed view's offline rows
 * for [start, end) and, when asked, materializes the range to the online store. Idempotent by construction, so a
 * retry or a chunk re-run after a worker crash is harmless: computeFeatures replaces exactly its range (atomic
 * renames, never a half-written chunk) and materialization is newer-wins.
 */
import { z } from 'zod';
import { isComputedView } from '../engine/view-rows.js';
import { materialize as materializeRange } from '../materialize/materialize.js';
import { FeatureflowError } from '../registry/errors.js';
import { findView } from '../registry/features.js';
import type { ComputeChunkInput, ComputeChunkResult } from '../workflows/shared.js';
import { Instant, dateRange, parseActivityInput } from './activity-input.js';
import type { ActivityDeps } from './deps.js';
import { withHeartbeats } from './heartbeat.js';
import { sendValidationAlert, stderrValidationLog, validationAlertPayload } from './validation-alert.js';
import type { ValidationWarning } from '../workflows/contracts/materialize-incremental.js';

const ChunkInputSchema = z.strictObject({ view: z.string().min(1), start: Instant, end: Instant, materialize: z.boolean() });

function parseChunkInput(input: unknown): { view: string; start: Date; end: Date; materialize: boolean } {
  const { view, start, end, materialize } = parseActivityInput(ChunkInputSchema, 'computeChunk', input);
  return { view, ...dateRange('computeChunk', start, end), materialize };
}

export async function computeChunk(deps: ActivityDeps, input: ComputeChunkInput): Promise<ComputeChunkResult> {
  const t0 = performance.now();
  const req = parseChunkInput(input);
  const where = { view: req.view, start: req.start.toISOString(), end: req.end.toISOString() };
  return withHeartbeats({ phase: 'starting', ...where }, deps.heartbeatIntervalMs, async (beats) => {
    beats.throwIfCancelled('computing');
    const ctx = await deps.resources.engine();
    const computed = isComputedView(findView(ctx.repo, req.view));
    if (!computed && !req.materialize) {
      throw new FeatureflowError(
        'NOTHING_TO_COMPUTE',
        `feature view "${req.view}" is not computed (it has no transform or aggregation), so there is nothing to ` +
          'compute; materialize it instead (backfill with materialize: true)',
      );
    }
    const result: ComputeChunkResult = {
      ...where,
      computed,
      rowsWritten: 0,
      files: 0,
      materialized: req.materialize,
      rowsRead: 0,
      keysWritten: 0,
      keysSkippedOlder: 0,
      keysSkippedExpired: 0,
      seconds: 0,
    };
    const warnings: ValidationWarning[] = [];
    if (computed) {
      beats.report({ phase: 'compute', ...where });
      const written = await deps.computeFeatures(ctx, req.view, req.start, req.end, {
        onProgress: (e) => beats.report({ phase: 'compute', ...where, step: `${e.step}/${e.steps} ${e.label}`, percent: e.percent }),
      });
      result.rowsWritten = written.rowsWritten;
      result.files = written.files.length;
      warnings.push(...(written.validationWarnings ?? []));
    }
    if (req.materialize) {
      // The computed rows are complete on disk; stopping here leaves nothing half-done.
      beats.throwIfCancelled('materializing');
      beats.report({ phase: 'materialize', ...where, rowsDone: 0 });
      const store = await deps.resources.store();
      const [m] = await (deps.materialize ?? materializeRange)({ ctx, store }, [req.view], req.start, req.end, {
        onlyAdvanceWatermark: true,
        onProgress: (p) => beats.report({ phase: 'materialize', ...where, rowsDone: p.rowsDone, rowsTotal: p.rowsTotal }),
      });
      if (m) {
        result.rowsRead = m.rowsRead;
        result.keysWritten = m.keysWritten;
        result.keysSkippedOlder = m.keysSkippedOlder;
        result.keysSkippedExpired = m.keysSkippedExpired;
        result.newestEvent = m.newestEvent ?? null;
        warnings.push(...(m.validationWarnings ?? []));
      }
    }
    if (warnings.length > 0) {
      const payload = validationAlertPayload(ctx.repo.project, req.view, where.end, warnings);
      await sendValidationAlert(payload, ctx.repo.alerts?.webhook, deps.validationLog ?? stderrValidationLog);
    }
    result.seconds = Math.round(performance.now() - t0) / 1000;
    return result;
  });
}
