/**
 * The statistics of a relation's features (one partition's rows): three DuckDB statements whatever the number of
 * features: one aggregate pass (counts, moments, approximate distinct counts), the numeric sketches' bucket counts,
 * and the top values of string features. Nothing is read row by row in JS. Quantiles are read from the sketch
 * (within its relative accuracy, clamped to min and max): exact ones (quantile_cont) sort every column and cost
 * several times the partition's Parquet write, on every backfill chunk.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isListDtype, type Dtype } from '../../registry/dtypes.js';
import { dtypeOfDuckdbType } from '../compute/dtypes.js';
import { ident } from '../sql.js';
import { newSketch, sketchFromRows, sketchQuantile, sketchSql } from './sketch.js';
import type { FeatureStats, NumericSketch, ViewStats } from './types.js';

export const QUANTILES = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;
export type QuantileName = keyof typeof QUANTILES;
export const QUANTILE_NAMES = Object.keys(QUANTILES) as QuantileName[];
export const TOP_K = 10;

export interface StatsFeature {
  name: string;
  /** 'unknown' for a feature without a declared dtype: only counted. */
  dtype: Dtype | 'unknown';
}

export interface StatsRange {
  view: string;
  /** ISO instants. */
  start: string;
  end: string;
}

const NUMERIC_DTYPES: readonly Dtype[] = ['int32', 'int64', 'float32', 'float64'];

export function isNumericDtype(dtype: string): boolean {
  return (NUMERIC_DTYPES as readonly string[]).includes(dtype);
}

/** Plain numbers, with what JSON cannot hold (NaN, infinities) left out rather than stored as null. */
function finite(value: unknown): number | undefined {
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function count(value: unknown): number {
  return finite(value) ?? 0;
}

/**
 * Distinct estimates for keys, codes and categories; not for floats, where nearly every value is distinct and the
 * estimate (a HyperLogLog per column) was the most expensive part of a partition's statistics.
 */
function hasDistinct(dtype: StatsFeature['dtype']): boolean {
  return dtype !== 'unknown' && dtype !== 'float32' && dtype !== 'float64' && !isListDtype(dtype);
}

function aggregateSql(relation: string, features: readonly StatsFeature[]): string {
  const columns = features.flatMap((f, i) => {
    const c = ident(f.name);
    const d = `CAST(${c} AS DOUBLE)`;
    const out = [`count(${c}) AS n${i}`];
    if (isNumericDtype(f.dtype)) {
      out.push(
        `avg(${d}) AS mean${i}`,
        `stddev_samp(${d}) AS sd${i}`,
        `min(${d}) AS min${i}`,
        `max(${d}) AS max${i}`,
      );
    }
    if (hasDistinct(f.dtype)) out.push(`approx_count_distinct(${c}) AS distinct${i}`);
    return out;
  });
  return `SELECT count(*) AS rows, ${columns.join(', ')} FROM ${relation}`;
}

function topKSql(relation: string, strings: ReadonlyArray<{ index: number; name: string }>): string {
  const values = strings
    .map((s) => `SELECT ${s.index} AS f, ${ident(s.name)} AS v FROM ${relation} WHERE ${ident(s.name)} IS NOT NULL`)
    .join(' UNION ALL ');
  // Ties broken by value, so the same rows give the same list.
  return (
    `SELECT f, v, n FROM (SELECT f, v, count(*) AS n FROM (${values}) GROUP BY ALL) ` +
    `QUALIFY row_number() OVER (PARTITION BY f ORDER BY n DESC, v) <= ${TOP_K} ORDER BY f, n DESC, v`
  );
}

type Row = Record<string, unknown>;

async function rowsOf(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Row[];
}

/** Undeclared dtypes (an aggregation's sum follows its input) read from the relation's column types. */
async function resolveDtypes(conn: DuckDBConnection, relation: string, features: readonly StatsFeature[]): Promise<StatsFeature[]> {
  if (features.every((f) => f.dtype !== 'unknown')) return [...features];
  const types = new Map((await rowsOf(conn, `DESCRIBE SELECT * FROM ${relation}`)).map((r) => [String(r['column_name']), String(r['column_type'])]));
  return features.map((f) => {
    if (f.dtype !== 'unknown') return f;
    const type = types.get(f.name);
    return { name: f.name, dtype: (type === undefined ? undefined : dtypeOfDuckdbType(type)) ?? 'unknown' };
  });
}

export async function computeRelationStats(
  conn: DuckDBConnection,
  relation: string,
  declared: readonly StatsFeature[],
  range: StatsRange,
): Promise<ViewStats> {
  const features = await resolveDtypes(conn, relation, declared);
  const [agg = {}] = await rowsOf(conn, aggregateSql(relation, features));
  const rows = count(agg['rows']);
  const indexed = features.map((f, index) => ({ index, name: f.name, dtype: f.dtype }));
  const numeric = indexed.filter((f) => isNumericDtype(f.dtype));
  const strings = indexed.filter((f) => f.dtype === 'string');
  const sketches = new Map<number, NumericSketch>();
  if (numeric.length > 0 && rows > 0) {
    const bucketRows = await rowsOf(conn, sketchSql(relation, numeric.map((f) => f.name)));
    for (const [pos, f] of numeric.entries()) {
      const mine = bucketRows.filter((r) => count(r['f']) === pos).map((r) => ({ side: count(r['side']), idx: count(r['idx']), n: count(r['n']) }));
      sketches.set(f.index, sketchFromRows(mine));
    }
  }
  const topK = new Map<number, Array<{ value: string; count: number }>>();
  if (strings.length > 0 && rows > 0) {
    for (const r of await rowsOf(conn, topKSql(relation, strings))) {
      const f = count(r['f']);
      const list = topK.get(f) ?? [];
      list.push({ value: String(r['v']), count: count(r['n']) });
      topK.set(f, list);
    }
  }
  const stats = features.map((f, i): FeatureStats => {
    const nonNull = count(agg[`n${i}`]);
    const out: FeatureStats = { feature: f.name, dtype: f.dtype, count: nonNull, nulls: rows - nonNull, nullRate: rows === 0 ? 0 : (rows - nonNull) / rows };
    if (isNumericDtype(f.dtype)) {
      assign(out, 'mean', finite(agg[`mean${i}`]));
      // One value has no sample deviation; 0 keeps it mergeable.
      assign(out, 'stddev', nonNull === 1 ? 0 : finite(agg[`sd${i}`]));
      assign(out, 'min', finite(agg[`min${i}`]));
      assign(out, 'max', finite(agg[`max${i}`]));
      out.sketch = sketches.get(i) ?? newSketch();
      if (out.sketch.count > 0 && out.min !== undefined && out.max !== undefined) {
        const [lo, hi] = [out.min, out.max];
        const sketch = out.sketch;
        out.quantiles = Object.fromEntries(
          QUANTILE_NAMES.map((name) => [name, Math.min(hi, Math.max(lo, sketchQuantile(sketch, QUANTILES[name])))]),
        ) as FeatureStats['quantiles'];
      }
    }
    if (hasDistinct(f.dtype)) assign(out, 'distinct', finite(agg[`distinct${i}`]));
    if (f.dtype === 'string') out.topK = topK.get(i) ?? [];
    return out;
  });
  return { view: range.view, start: range.start, end: range.end, rows, features: stats };
}

function assign<K extends 'mean' | 'stddev' | 'min' | 'max' | 'distinct'>(into: FeatureStats, key: K, value: number | undefined): void {
  if (value !== undefined) into[key] = value;
}
