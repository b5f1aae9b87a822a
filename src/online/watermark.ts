/** Watermarks are JSON in a Redis hash other tools can write too, so they are validated on the way in and out. */
import { z } from 'zod';
import { CorruptOnlineValueError, InvalidWatermarkError } from './errors.js';
import type { Watermark } from './types.js';

const Instant = z.iso.datetime({ offset: true });

export const WatermarkSchema = z.object({
  end: Instant,
  at: Instant,
  newestEvent: Instant.optional(),
});

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function formatWatermark(view: string, watermark: Watermark): string {
  const parsed = WatermarkSchema.safeParse(watermark);
  if (!parsed.success) throw new InvalidWatermarkError(`watermark of "${view}" is invalid: ${problems(parsed.error)}`);
  return JSON.stringify(parsed.data);
}

export function parseWatermark(view: string, text: string): Watermark {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CorruptOnlineValueError(`stored watermark of "${view}" is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const parsed = WatermarkSchema.safeParse(json);
  if (!parsed.success) throw new CorruptOnlineValueError(`stored watermark of "${view}" is invalid: ${problems(parsed.error)}`);
  return parsed.data;
}
