/**
 * `recordBackfillWatermark`: after every chunk of a materializing backfill finished, [start, end) counts as one
 * materialization of the view, as a range `materialize` would (Feast does the same): the watermark is recorded when
 * there is none, or moved when the range joins up with it, and never moved back (the online store's compare-and-set).
 * Chunks alone only ever move an existing watermark: they finish out of order, so none of them may start one.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../engine/errors.js';
import { findView } from '../registry/features.js';
import { parseInstantMs } from '../registry/instant.js';
import type { RecordBackfillWatermarkInput } from '../workflows/contracts/backfill.js';
import type { Watermark } from '../online/types.js';
import type { ActivityDeps } from './deps.js';

const Instant = z.string().refine((s) => parseInstantMs(s) !== undefined, 'must be an ISO-8601 instant');
const InputSchema = z.strictObject({ view: z.string().min(1), start: Instant, end: Instant, newestEvent: Instant.optional() });

const iso = (text: string): string => new Date(parseInstantMs(text) as number).toISOString();

export async function recordBackfillWatermark(deps: ActivityDeps, input: RecordBackfillWatermarkInput): Promise<Watermark | null> {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRequestError(`recordBackfillWatermark input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
  }
  const { view, start, end, newestEvent } = parsed.data;
  const ctx = await deps.resources.engine();
  findView(ctx.repo, view);
  const store = await deps.resources.store();
  const stored = await store.advanceWatermark(ctx.repo.project, view, {
    mode: 'record',
    start: iso(start),
    end: iso(end),
    ...(newestEvent ? { newestEvent: iso(newestEvent) } : {}),
    at: new Date().toISOString(),
  });
  return stored ?? null;
}
