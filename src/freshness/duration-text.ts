/**
 * Seconds as people read them in alerts, tables and the Temporal UI (`2h 5m`, `45s`, `3d 4h`): the largest unit
 * and the next one are plenty to judge a staleness (the exact seconds are in the JSON next to it). Dependency-free:
 * workflow code (bundled into the sandbox) uses it too.
 */
const UNITS = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
] as const;

export function durationText(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 0) return `-${durationText(-seconds)}`;
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const whole = Math.floor(seconds);
  const first = UNITS.findIndex(([, size]) => whole >= size);
  const [unit, size] = UNITS[first] as (typeof UNITS)[number];
  const text = `${Math.floor(whole / size)}${unit}`;
  const next = UNITS[first + 1];
  if (!next) return text;
  const more = Math.floor((whole % size) / next[1]);
  return more > 0 ? `${text} ${more}${next[0]}` : text;
}
