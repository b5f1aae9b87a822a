/**
 * Compute ranges in whole microseconds (DuckDB's timestamp unit) and how they split into UTC dates, one offline
 * folder per date. Arithmetic is exact: every value stays a safe integer, and rounding uses remainders rather than
 * division, which on doubles can land on the wrong side of a multiple.
 */
import { InvalidRequestError } from '../errors.js';

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;

/** Half-open [start, end) in microseconds since the epoch. */
export interface MicrosRange {
  start: number;
  end: number;
}

/** The part of a range that falls on one UTC date, written to `date=<date>/<start>_<end>.parquet`. */
export interface DateSlice extends MicrosRange {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
}

/** Largest multiple of `step` at or below `x` (also for negative x). */
export function floorTo(x: number, step: number): number {
  return x - (((x % step) + step) % step);
}

/** Smallest multiple of `step` at or above `x`. */
export function ceilTo(x: number, step: number): number {
  return -floorTo(-x, step);
}

function micros(view: string, what: string, date: Date): number {
  const us = date.getTime() * 1000;
  if (!Number.isSafeInteger(us)) {
    throw new InvalidRequestError(`computing view "${view}": ${what} is not a valid time (years 1685 to 2255 are supported)`);
  }
  return us;
}

export function checkedRange(view: string, start: Date, end: Date): MicrosRange {
  const range = { start: micros(view, 'start', start), end: micros(view, 'end', end) };
  if (range.end < range.start) {
    throw new InvalidRequestError(
      `computing view "${view}": end ${end.toISOString()} is before start ${start.toISOString()} (the range is [start, end))`,
    );
  }
  return range;
}

export function isoDate(us: number): string {
  return new Date(us / 1000).toISOString().slice(0, 10);
}

/** Every UTC date [start, end) touches, with the part of the range on it; none for an empty range. */
export function dateSlices(range: MicrosRange): DateSlice[] {
  const slices: DateSlice[] = [];
  for (let day = floorTo(range.start, MICROS_PER_DAY); day < range.end; day += MICROS_PER_DAY) {
    const start = Math.max(range.start, day);
    const end = Math.min(range.end, day + MICROS_PER_DAY);
    slices.push({ date: isoDate(day), start, end });
  }
  return slices;
}

/** The part of `file` outside `cut`: zero, one or two ranges (two when `cut` lies strictly inside it). */
export function subtractRange(file: MicrosRange, cut: MicrosRange): MicrosRange[] {
  if (file.end <= cut.start || cut.end <= file.start) return [file];
  const rest: MicrosRange[] = [];
  if (file.start < cut.start) rest.push({ start: file.start, end: cut.start });
  if (cut.end < file.end) rest.push({ start: cut.end, end: file.end });
  return rest;
}

export function overlaps(a: MicrosRange, b: MicrosRange): boolean {
  return a.start < b.end && b.start < a.end;
}
