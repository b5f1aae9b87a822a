/**
 * A brute-force reference for windowed aggregations, written straight from SPEC section 1: for every tick, every
 * entity and every window it scans all events. Slow and obviously right, for comparing against computeFeatures.
 */
export { rng } from '../../helpers/prng.js';

export interface RefEvent {
  key: number;
  /** Event time, microseconds. */
  e: number;
  /** Created time, microseconds. */
  c: number | null;
  amount: number | null;
  kind: string | null;
  cat: string | null;
}

type Column = 'amount' | 'cat';

export interface RefFeature {
  name: string;
  fn: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stddev' | 'count_distinct' | 'last';
  column?: Column;
  /** The filter as DuckDB SQL (for the repo) and as JS (NULL compares false, as in SQL). */
  filter?: { sql: string; js: (e: RefEvent) => boolean };
}

export type RefRow = Record<string, number | string | null>;

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function aggregate(f: RefFeature, events: RefEvent[]): number | string | null {
  const passing = f.filter ? events.filter(f.filter.js) : events;
  if (f.fn === 'count' && f.column === undefined) return passing.length;
  const withValue = passing.filter((e) => e[f.column as Column] !== null);
  const values = withValue.map((e) => e[f.column as Column] as number | string);
  const nums = values as number[];
  switch (f.fn) {
    case 'count':
      return values.length;
    case 'sum':
      return nums.length === 0 ? null : nums.reduce((a, b) => a + b, 0);
    case 'avg':
      return nums.length === 0 ? null : nums.reduce((a, b) => a + b, 0) / nums.length;
    case 'min':
      return values.length === 0 ? null : values.reduce((a, b) => (compare(a, b) <= 0 ? a : b));
    case 'max':
      return values.length === 0 ? null : values.reduce((a, b) => (compare(a, b) >= 0 ? a : b));
    case 'stddev': {
      if (nums.length < 2) return null;
      const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
      return Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / (nums.length - 1));
    }
    case 'count_distinct':
      return new Set(values).size;
    case 'last': {
      // Greatest event time, then created time (missing loses), then value.
      const rank = (e: RefEvent): [number, number, number | string] => [e.e, e.c ?? -Infinity, e[f.column as Column] as number | string];
      let best: RefEvent | undefined;
      for (const e of withValue) {
        if (!best) best = e;
        else {
          const [a, b] = [rank(e), rank(best)];
          const order = compare(a[0], b[0]) || compare(a[1], b[1]) || compare(a[2], b[2]);
          if (order > 0) best = e;
        }
      }
      return best ? (best[f.column as Column] as number | string) : null;
    }
  }
}

export interface RefSpec {
  features: RefFeature[];
  /** [column suffix, microseconds] in registry order. */
  windows: Array<[string, number]>;
  cadence: number;
  start: number;
  end: number;
}

/** Rows `{ user_id, t, <feature>_<window>... }` sorted by t then key. */
export function referenceRows(events: readonly RefEvent[], spec: RefSpec): RefRow[] {
  const maxWindow = Math.max(...spec.windows.map(([, w]) => w));
  const keys = [...new Set(events.map((e) => e.key))].sort((a, b) => a - b);
  const rows: RefRow[] = [];
  const first = Math.ceil(spec.start / spec.cadence) * spec.cadence;
  for (let t = first; t < spec.end; t += spec.cadence) {
    for (const key of keys) {
      const mine = events.filter((e) => e.key === key && e.e <= t);
      if (!mine.some((e) => e.e > t - maxWindow)) continue;
      const row: RefRow = { user_id: key, t };
      for (const f of spec.features) {
        for (const [suffix, w] of spec.windows) row[`${f.name}_${suffix}`] = aggregate(f, mine.filter((e) => e.e > t - w));
      }
      rows.push(row);
    }
  }
  return rows;
}

/** SQL creating the events table (microsecond timestamps made exactly with make_timestamp). */
export function eventsTableSql(events: readonly RefEvent[], withCreated: boolean): string {
  const str = (v: string | null) => (v === null ? 'NULL::VARCHAR' : `'${v}'`);
  const ts = (us: number | null) => (us === null ? 'NULL::TIMESTAMPTZ' : `make_timestamp(${us}::BIGINT)::TIMESTAMPTZ`);
  const rows = events.map(
    (e) => `(${e.key}, ${ts(e.e)}, ${ts(e.c)}, ${e.amount === null ? 'NULL::DOUBLE' : `${e.amount}::DOUBLE`}, ${str(e.kind)}, ${str(e.cat)})`,
  );
  const select = `SELECT * FROM (VALUES ${rows.join(',\n')}) t(user_id, event_timestamp, created, amount, kind, cat)`;
  return withCreated ? select : `SELECT * EXCLUDE (created) FROM (${select})`;
}
