/**
 * Instants as Featureflow reads them everywhere (CLI arguments, workflow inputs, activity inputs): ISO-8601 dates
 * or date-times, and without a zone they are UTC. Pure and dependency-free, so workflow code (bundled into the
 * Temporal sandbox), activities and the CLI share one parser instead of three that could drift apart.
 */
const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch milliseconds of an ISO-8601 date or date-time, or undefined. `Date.parse` alone would read a zone-less
 * date-time in the process's local zone, and a workflow's worker may run in any zone.
 */
export function parseInstantMs(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_RE.test(text.trim())) return undefined;
  const t = text.trim().replace(' ', 'T');
  const hasZone = t.length > 10 && /(Z|[+-]\d{2}:?\d{2})$/.test(t);
  const ms = Date.parse(hasZone ? t : t.length === 10 ? `${t}T00:00:00Z` : `${t}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `Date.toISOString()` of an instant, or undefined when it is not one: equal instants give equal text (and ids). */
export function canonicalIso(text: unknown): string | undefined {
  const ms = parseInstantMs(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export const INSTANT_HINT = 'an ISO-8601 date or date-time (e.g. 2024-05-01 or 2024-05-01T10:00:00Z; UTC unless it has a zone)';

/**
 * How far past the clock a materialization END (and so a watermark) may be: clocks of hosts drift, but a watermark
 * in the future would make every later incremental run skip its window as already done, so anything past this is
 * refused or held back to now.
 */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;
