/**
 * Durations are written `90s`, `15m`, `2h`, `7d` (or a number of seconds) so that JSON and TypeScript repos read
 * alike. Internally everything is whole seconds.
 */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const DURATION_RE = /^(\d+)(s|m|h|d|w)$/;

export type DurationInput = string | number;

/** Returns the duration in seconds, or undefined when the text is not a duration. */
export function tryParseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION_RE.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

export function parseDuration(value: DurationInput): number {
  const seconds = tryParseDuration(value);
  if (seconds === undefined) throw new Error(durationProblem(value));
  return seconds;
}

export function durationProblem(value: unknown): string {
  return `${JSON.stringify(value)} is not a duration: use a whole number of seconds or a number with a unit, like 90s, 15m, 2h, 7d, 1w`;
}

/** Shortest exact text for a number of seconds (`86400` -> `1d`, `604800` -> `7d`), used in names and messages. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds > 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
