/**
 * Watermarks, freshness checks and alert states are JSON in Redis hashes other tools can write too, so they are
 * validated on the way in and out.
 */
import { z } from 'zod';
import { CorruptOnlineValueError, InvalidWatermarkError } from './errors.js';
import type { AlertState, FreshnessCheck, Watermark, WatermarkAdvance } from './types.js';

const Instant = z.iso.datetime({ offset: true });

export const WatermarkSchema = z.object({
  end: Instant,
  at: Instant,
  newestEvent: Instant.optional(),
});

const WatermarkAdvanceSchema = z.strictObject({
  mode: z.enum(['record', 'advance']),
  start: Instant.optional(),
  end: Instant,
  newestEvent: Instant.optional(),
  at: Instant,
});

const FreshnessCheckSchema = z.object({
  status: z.enum(['fresh', 'stale', 'unknown']),
  stalenessSeconds: z.number().nullable(),
  checkedAt: Instant,
});

const AlertStateSchema = z.object({ status: z.enum(['stale', 'fresh']), at: Instant });

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function format<T>(schema: z.ZodType<T>, what: string, value: T): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidWatermarkError(`${what} is invalid: ${problems(parsed.error)}`);
  return JSON.stringify(parsed.data);
}

export function parse<T>(schema: z.ZodType<T>, what: string, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CorruptOnlineValueError(`stored ${what} is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CorruptOnlineValueError(`stored ${what} is invalid: ${problems(parsed.error)}`);
  return parsed.data;
}

export const formatWatermark = (view: string, watermark: Watermark): string =>
  format(WatermarkSchema, `watermark of "${view}"`, watermark);
export const parseWatermark = (view: string, text: string): Watermark => parse(WatermarkSchema, `watermark of "${view}"`, text);

export const formatFreshnessCheck = (view: string, check: FreshnessCheck): string =>
  format(FreshnessCheckSchema, `freshness check of "${view}"`, check);
export const parseFreshnessCheck = (view: string, text: string): FreshnessCheck =>
  parse(FreshnessCheckSchema, `freshness check of "${view}"`, text);

export const formatAlertState = (view: string, alert: AlertState): string => format(AlertStateSchema, `alert state of "${view}"`, alert);
export const parseAlertState = (view: string, text: string): AlertState => parse(AlertStateSchema, `alert state of "${view}"`, text);

/** ARGV[2..9] of lua/advance-watermark.lua: every instant as epoch ms (compared) and as the ISO text (stored). */
export function advanceWatermarkArgs(view: string, advance: WatermarkAdvance): string[] {
  const checked = WatermarkAdvanceSchema.safeParse(advance);
  if (!checked.success) throw new InvalidWatermarkError(`watermark update of "${view}" is invalid: ${problems(checked.error)}`);
  const ms = (iso: string | undefined): string => (iso === undefined ? '' : String(Date.parse(iso)));
  const { mode, start, end, newestEvent, at } = checked.data;
  return [mode, ms(start), ms(end), end, ms(newestEvent), newestEvent ?? '', ms(at), at];
}
