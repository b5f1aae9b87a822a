/**
 * A test clock of whole hours starting two days back: recent enough that a view's 7 d TTL has not run out when the
 * test reads, and whole hours so rows land on readable instants.
 */
export const HOUR = 3_600_000;
export const BASE_MS = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
/** The instant `hours` after the base. */
export const hoursAfterBase = (hours: number): Date => new Date(BASE_MS + hours * HOUR);
/** The same instant as a DuckDB TIMESTAMPTZ literal. */
export const sqlHours = (hours: number): string => `CAST('${hoursAfterBase(hours).toISOString()}' AS TIMESTAMPTZ)`;
