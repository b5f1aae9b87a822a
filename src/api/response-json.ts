/**
 * The JSON pieces every online features response is made of: event times (formatted without Date), runs of
 * "PRESENT", and the epoch timestamps of entity key columns. Shared by the sliced builder and the one-go response.
 */
export const EPOCH = '1970-01-01T00:00:00Z';
export const EPOCH_JSON = `"${EPOCH}"`;
export const PRESENT_JSON = '"PRESENT"';
// Date's range; beyond it toISOString throws.
const MAX_MS = 8.64e15;

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const SECONDS_PER_DAY = 86_400;
// Years 0000-9999: the range ISO-8601 writes with four digits; outside it Date's extended format takes over.
const MIN_SECONDS = -62_167_219_200;
const MAX_SECONDS = 253_402_300_799;

/**
 * `2024-05-01T10:00:00Z`: an event time in UTC to the second (sub-second digits dropped, not rounded). Integer
 * arithmetic (days to civil date, Hinnant's algorithm) instead of Date#toISOString: with one distinct time per
 * entity, formatting was the largest cost of a 100-entity response.
 */
export function formatEventTime(micros: number): string {
  if (micros === 0) return EPOCH;
  const seconds = Math.floor(micros / 1_000_000);
  if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) return formatWithDate(seconds);
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const secondOfDay = seconds - days * SECONDS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  return (
    `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}` +
    `T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[secondOfDay % 60]}Z`
  );
}

function formatWithDate(seconds: number): string {
  const ms = seconds * 1000;
  if (!(Math.abs(ms) <= MAX_MS)) return EPOCH;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, iso.length - 5)}Z`;
}

/** `[x,x,...]` with `n` copies of the JSON text `item`. */
export function repeated(item: string, n: number): string {
  return `[${`${item},`.repeat(n - 1)}${item}]`;
}

/** JSON array of event times; rows of one materialization share a time, so the last conversion is reused. */
export function timestampsJson(micros: readonly number[]): string {
  let lastMicros = Number.NaN;
  let lastText = '';
  let out = '[';
  for (let i = 0; i < micros.length; i++) {
    const m = micros[i] as number;
    if (m !== lastMicros) {
      lastMicros = m;
      lastText = m === 0 ? EPOCH_JSON : `"${formatEventTime(m)}"`;
    }
    out += i === 0 ? lastText : `,${lastText}`;
  }
  return `${out}]`;
}

export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
