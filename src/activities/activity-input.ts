/**
 * Checking an activity's input. Inputs arrive from workflow histories, which outlive the code that wrote them, so
 * every activity validates what it is given and names what is wrong in a non-retryable InvalidRequestError.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../engine/errors.js';
import { formatPath } from '../registry/errors.js';
import { parseInstantMs } from '../registry/instant.js';

export const Instant = z.string().refine((s) => parseInstantMs(s) !== undefined, 'must be an ISO-8601 instant');

/** An instant Instant has already accepted. */
export function instantDate(iso: string): Date {
  return new Date(parseInstantMs(iso) as number);
}

export function parseActivityInput<T>(schema: z.ZodType<T>, activity: string, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(i.path) || '(input)'}: ${i.message}`);
    throw new InvalidRequestError(`${activity} input is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** [start, end) as dates, refusing an empty or reversed range. */
export function dateRange(activity: string, start: string, end: string): { start: Date; end: Date } {
  const range = { start: instantDate(start), end: instantDate(end) };
  if (!(range.start < range.end)) {
    throw new InvalidRequestError(`${activity}: start ${range.start.toISOString()} must be before end ${range.end.toISOString()}`);
  }
  return range;
}
