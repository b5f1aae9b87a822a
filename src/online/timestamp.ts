/**
 * Timestamps as epoch microseconds: the precision DuckDB's TIMESTAMPTZ and our stored rows use. JS Dates only hold
 * milliseconds, so decoded timestamps are `{ micros: bigint }` and the text form always carries six fractional
 * digits, which is also what DuckDB's strftime('%Y-%m-%dT%H:%M:%S.%fZ') prints, so both writers agree byte for byte.
 */

/** A decoded timestamp: epoch microseconds, UTC. */
export interface TimestampMicros {
  readonly micros: bigint;
}

const ISO_RE =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

// Date's own range, so formatting never meets an Invalid Date.
const MAX_MS = 8.64e15;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Parses ISO-8601 text (no zone means UTC); undefined when it is not a valid instant. */
export function parseIsoMicros(text: string): bigint | undefined {
  const m = ISO_RE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number, number, number, number, number, number,
  ];
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime();
  // Date rolls 2024-02-30 over to March; a rolled-over date is a typo, not an instant.
  if (Number.isNaN(ms) || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const fraction = BigInt(((m[7] ?? '') + '000000').slice(0, 6));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (zone[0] === '-' ? -1 : 1);
  }
  return BigInt(ms) * 1000n + fraction - BigInt(offsetMinutes) * 60_000_000n;
}

/** Formats epoch micros as `2024-05-01T10:00:00.000000Z`; throws RangeError outside Date's range. */
export function formatMicros(micros: bigint): string {
  const ms = floorDiv(micros, 1000n);
  if (ms > BigInt(MAX_MS) || ms < -BigInt(MAX_MS)) throw new RangeError(`timestamp ${micros}us is out of range`);
  const fraction = String(micros - floorDiv(micros, 1_000_000n) * 1_000_000n).padStart(6, '0');
  return new Date(Number(ms)).toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}

/**
 * Epoch micros of a timestamp given as a Date, an ISO string, `{ micros }`, or a bigint (already micros).
 * Plain numbers are refused: nothing tells seconds, milliseconds and microseconds apart.
 */
export function toMicros(value: unknown): bigint | undefined {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : BigInt(ms) * 1000n;
  }
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') return parseIsoMicros(value);
  if (typeof value === 'object' && value !== null && typeof (value as { micros?: unknown }).micros === 'bigint') {
    return (value as TimestampMicros).micros;
  }
  return undefined;
}
