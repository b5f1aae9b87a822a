/** Instants on the command line: ISO-8601 dates or date-times; without a zone they are UTC, like every time here. */
import { UsageError } from './args.js';

const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseInstant(text: string, what: string): Date {
  if (text === 'now') return new Date();
  if (!ISO_RE.test(text)) {
    throw new UsageError(`${what}: ${JSON.stringify(text)} is not an ISO-8601 date or date-time (e.g. 2024-05-01 or 2024-05-01T10:00:00Z)`);
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const normalised = text.replace(' ', 'T');
  const date = new Date(hasZone ? normalised : `${normalised.length === 10 ? `${normalised}T00:00:00` : normalised}Z`);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${what}: ${JSON.stringify(text)} is not a valid date`);
  return date;
}
