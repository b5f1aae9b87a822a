/**
 * One measured bench/drift run, in its own process so peak RSS is this work's alone: per side and feature one
 * GROUP BY over that Parquet column (bucket key -> count; the NULL key counts nulls), which measured faster than
 * one wide scan with 50 histogram() maps, then the drift report from the two sides' statistics. Prints one JSON line.
 *
 * Mode `sketch` builds only what drift reads (the same NumericSketch as the stats module); mode `stats` runs the
 * stats module's full computeRelationStats (moments, exact quantiles, distinct counts and sketches) over each side,
 * as one partition.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { computeRelationStats } from '../../src/engine/stats/compute.js';
import { driftReport } from '../../src/engine/stats/drift-report.js';
import { driftThresholds } from '../../src/engine/stats/metrics.js';
import type { FeatureStats, NumericSketch, ViewStats } from '../../src/engine/stats/types.js';
import { ident, literal } from '../../src/engine/sql.js';
import type { DriftBenchData } from './generate.js';

// The stats module's sketch parameters (0.5% relative accuracy), so sketch sizes and report time are the real ones.
const GAMMA = 1.005 / 0.995;
const MIN_INDEXED = 1e-12;
// Bucket keys as one integer: 0 is the zero bucket, +/-(OFFSET + index) the positive/negative bucket `index`.
const OFFSET = 100_000;

/**
 * ceil(log_gamma |x|) as round(log_gamma |x| + 0.5) (a cast rounds): the same except for |x| exactly a power of
 * gamma, and 30-40% less CPU than ceil() then a cast, which is most of this benchmark's time.
 */
function bucketKey(column: string): string {
  const x = ident(column);
  const scale = 1 / Math.log(GAMMA);
  return `CASE WHEN ${x} >= ${MIN_INDEXED} THEN (ln(${x}) * ${scale} + ${OFFSET + 0.5})::INTEGER
    WHEN ${x} <= -${MIN_INDEXED} THEN -(ln(-${x}) * ${scale} + ${OFFSET + 0.5})::INTEGER
    WHEN ${x} IS NOT NULL AND NOT isnan(${x}) THEN 0 END`;
}

async function featureStats(conn: DuckDBConnection, file: string, feature: string): Promise<FeatureStats> {
  const reader = await conn.runAndReadAll(`SELECT ${bucketKey(feature)} AS k, count(*)::DOUBLE AS n FROM read_parquet(${literal(file)}) GROUP BY k`);
  const sketch: NumericSketch = { kind: 'ddsketch', gamma: GAMMA, minIndexed: MIN_INDEXED, zero: 0, positive: {}, negative: {}, count: 0 };
  let nulls = 0;
  // Sorted so the sketch's key order (and so the report) does not depend on DuckDB's group order.
  const groups = reader.getRowsJS().map(([k, n]) => [k === null ? null : Number(k), Number(n)] as const);
  groups.sort((a, b) => (a[0] ?? -Infinity) - (b[0] ?? -Infinity));
  for (const [key, n] of groups) {
    if (key === null) nulls = n;
    else {
      sketch.count += n;
      if (key === 0) sketch.zero += n;
      else (key > 0 ? sketch.positive : sketch.negative)[String(Math.abs(key) - OFFSET)] = n;
    }
  }
  // As the stats module counts: `count` is the non-null values.
  const rows = sketch.count + nulls;
  return { feature, dtype: 'float64', count: sketch.count, nulls, nullRate: nulls / rows, sketch };
}

async function sideStats(conn: DuckDBConnection, file: string, features: string[], label: string): Promise<ViewStats> {
  const stats: FeatureStats[] = [];
  for (const feature of features) stats.push(await featureStats(conn, file, feature));
  const rows = stats[0] ? stats[0].count + stats[0].nulls : 0;
  return { view: 'bench', start: label, end: label, rows, features: stats };
}

async function statsModule(conn: DuckDBConnection, file: string, features: string[], label: string): Promise<ViewStats> {
  const declared = features.map((name) => ({ name, dtype: 'float64' as const }));
  return computeRelationStats(conn, `read_parquet(${literal(file)})`, declared, { view: 'bench', start: label, end: label });
}

const [json, threads, memoryLimit, mode] = process.argv.slice(2);
const compute = mode === 'stats' ? statsModule : sideStats;
const data = JSON.parse(json as string) as DriftBenchData;
const instance = await DuckDBInstance.create(':memory:', { threads: threads as string, memory_limit: memoryLimit as string });
const conn = await instance.connect();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const reference = await compute(conn, data.reference, data.features, 'reference');
const current = await compute(conn, data.current, data.features, 'current');
const t1 = performance.now();
const report = driftReport({ reference, current, thresholds: driftThresholds(undefined), features: data.features });
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
conn.closeSync();
instance.closeSync();
const sketchBytes = Math.max(...[...reference.features, ...current.features].map((f) => JSON.stringify(f.sketch).length));
console.log(JSON.stringify({
  statsMs: Math.round(t1 - t0),
  driftMs: Math.round(t2 - t1),
  totalMs: Math.round(t2 - t0),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  maxSketchBytes: sketchBytes,
  level: report.level,
  drifted: report.features.filter((f) => f.level !== 'ok').map((f) => ({ feature: f.feature, level: f.level, reasons: f.reasons })),
  sample: report.features.slice(0, 4).map((f) => ({ feature: f.feature, psi: f.psi, ks: f.ks, nullDeltaPoints: f.nullDeltaPoints })),
}));
