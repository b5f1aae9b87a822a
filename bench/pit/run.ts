/**
 * PIT benchmark (issue 13, target 1). Each run in its own process; medians of RUNS alternating runs; peak RSS and
 * the machine's load printed with the figures.
 *
 * 1. ENTITY_ROWS entity rows against 3 views of VIEW_ROWS rows in all (1M x 10M): getHistoricalFeatures to Parquet
 *    alternating with one hand-written DuckDB ASOF query over the same files, THREADS DuckDB threads and
 *    MEMORY_LIMIT for both. Targets: engine within 1.15x of the hand query, peak RSS no higher than its.
 *    With CLI=1 also `featureflow historical` end to end (bin/featureflow-dist.js: run `npm run build` first).
 *    Also, as a second yardstick, `exact`: the engine's answer (TTLs, created-time tie-break, input order) written
 *    by hand as one statement, to tell the work the answer needs from the engine's own overhead.
 * 2. With SCALE=1 the scaling curve, MEMORY_LIMIT 4GB: 1M x 1M, 1M x 10M and 5M x 50M, engine and hand query;
 *    time per feature row (view row) at each size, target max/min within 1.5x, and a linear fit of time on entity
 *    and feature rows (the entity rows' share is what makes 1M x 1M dearer per feature row, for both).
 *
 *   npm run bench:pit                       # part 1, 5 runs each
 *   SCALE=1 CLI=1 npm run bench:pit         # everything (5M x 50M takes a while: ~2 GB of data generated once)
 *   RUNS=3 ENTITY_ROWS=100000 VIEW_ROWS=1000000 npm run bench:pit
 * Run under `flock /tmp/bench.lock` on a shared machine.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePitData, type PitBenchData } from './generate.js';
import { load, median, runCase, runCli, type Result } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entityRows = Number(process.env['ENTITY_ROWS'] ?? 1_000_000);
const viewRows = Number(process.env['VIEW_ROWS'] ?? 10_000_000);
const runs = Number(process.env['RUNS'] ?? 5);
const threads = Number(process.env['THREADS'] ?? 2);
const memoryLimit = process.env['MEMORY_LIMIT'] ?? '4GB';
const RATIO_TARGET = 1.15;
const SCALE_TARGET = 1.5;
const SCALE_SIZES: Array<[number, number]> = [[1_000_000, 1_000_000], [1_000_000, 10_000_000], [5_000_000, 50_000_000]];

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const sizeName = (e: number, v: number): string => `${e / 1e6}M x ${v / 1e6}M`;

async function data(e: number, v: number): Promise<PitBenchData> {
  const started = performance.now();
  const d = await generatePitData(path.join(here, 'data', `${e}-${v}`), e, v);
  const s = (performance.now() - started) / 1000;
  if (s > 1) console.log(`generated ${sizeName(e, v)} in ${s.toFixed(1)} s`);
  return d;
}

function summary(results: readonly Result[]): { ms: number; cpuMs: number; rss: number } {
  return { ms: median(results.map((r) => r.ms)), cpuMs: median(results.map((r) => r.cpuMs)), rss: median(results.map((r) => r.maxRssMB)) };
}

function show(i: number, r: Result): void {
  const steps = r.stepMs && Object.keys(r.stepMs).length > 0 ? `  [${Object.entries(r.stepMs).map(([k, ms]) => `${k} ${ms} ms`).join(', ')}]` : '';
  console.log(`run ${i + 1} ${r.mode.padEnd(6)} ${r.ms} ms, CPU ${r.cpuMs} ms, peak RSS ${r.maxRssMB} MB, ${r.rows} rows${steps}`);
}

async function ratio(): Promise<void> {
  const d = await data(entityRows, viewRows);
  const cli = process.env['CLI'] === '1';
  const modes: Array<'engine' | 'hand' | 'exact' | 'cli'> = cli ? ['engine', 'hand', 'exact', 'cli'] : ['engine', 'hand', 'exact'];
  const results: Record<string, Result[]> = { engine: [], hand: [], exact: [], cli: [] };
  console.log(`\n${sizeName(entityRows, viewRows)}, ${threads} threads, memory_limit ${memoryLimit}; ${load()}`);
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 === 0 ? modes : [...modes].reverse()) {
      const r = mode === 'cli' ? runCli(d, threads, memoryLimit) : runCase(mode, d, threads, memoryLimit);
      results[mode]?.push(r);
      show(i, r);
    }
  }
  const engine = summary(results['engine'] as Result[]);
  const hand = summary(results['hand'] as Result[]);
  const exact = summary(results['exact'] as Result[]);
  const x = engine.ms / hand.ms;
  console.log(`\nmedian of ${runs} alternating runs; ${load()}`);
  console.log(`  getHistoricalFeatures  ${engine.ms} ms (CPU ${engine.cpuMs} ms)  peak RSS ${engine.rss} MB`);
  console.log(`  hand-written ASOF      ${hand.ms} ms (CPU ${hand.cpuMs} ms)  peak RSS ${hand.rss} MB`);
  console.log(`  time ratio             ${x.toFixed(2)}x (target <= ${RATIO_TARGET}x): ${verdict(x <= RATIO_TARGET)}`);
  console.log(`  CPU ratio              ${(engine.cpuMs / hand.cpuMs).toFixed(2)}x (both saturate the ${threads} threads; less sensitive to other load)`);
  console.log(`  peak RSS               ${engine.rss} MB vs ${hand.rss} MB (target <= the hand query's): ${verdict(engine.rss <= hand.rss)}`);
  console.log(`  same answer by hand    ${exact.ms} ms (CPU ${exact.cpuMs} ms)  peak RSS ${exact.rss} MB: ` +
    `${(exact.ms / hand.ms).toFixed(2)}x the plain ASOF (CPU ${(exact.cpuMs / hand.cpuMs).toFixed(2)}x); ` +
    `engine ${(engine.ms / exact.ms).toFixed(2)}x it (CPU ${(engine.cpuMs / exact.cpuMs).toFixed(2)}x)`);
  if (cli) {
    const c = summary(results['cli'] as Result[]);
    const own = median((results['cli'] as Result[]).map((r) => r.stepMs?.['as the CLI reports it'] ?? NaN));
    console.log(`  featureflow historical ${c.ms} ms end to end (${own} ms by its own report, CPU ${c.cpuMs} ms)  peak RSS ${c.rss} MB`);
  }
}

/** Least squares t = a * entityRows + b * featureRows (ns per row), and the worst relative miss of that fit. */
function linearFit(points: ReadonlyArray<{ e: number; v: number; ms: number }>): { a: number; b: number; miss: number } {
  let see = 0, sev = 0, svv = 0, set = 0, svt = 0;
  for (const { e, v, ms } of points) {
    const t = ms * 1e6;
    see += e * e; sev += e * v; svv += v * v; set += e * t; svt += v * t;
  }
  const det = see * svv - sev * sev;
  const a = (set * svv - svt * sev) / det;
  const b = (svt * see - set * sev) / det;
  const miss = Math.max(...points.map(({ e, v, ms }) => Math.abs(a * e + b * v - ms * 1e6) / (ms * 1e6)));
  return { a, b, miss };
}

async function scale(): Promise<void> {
  const sets = [];
  for (const [e, v] of SCALE_SIZES) sets.push({ e, v, d: await data(e, v), engine: [] as Result[], hand: [] as Result[] });
  console.log(`\nscaling, engine and hand query, ${threads} threads, memory_limit 4GB; ${load()}`);
  for (let i = 0; i < runs; i++) {
    for (const s of i % 2 === 0 ? sets : [...sets].reverse()) {
      for (const mode of i % 2 === 0 ? (['engine', 'hand'] as const) : (['hand', 'engine'] as const)) {
        const r = runCase(mode, s.d, threads, '4GB');
        s[mode].push(r);
        console.log(`run ${i + 1} ${sizeName(s.e, s.v).padEnd(10)} ${mode.padEnd(6)} ${r.ms} ms, CPU ${r.cpuMs} ms, peak RSS ${r.maxRssMB} MB, ${r.rows} rows`);
      }
    }
  }
  console.log(`\nmedian of ${runs} alternating runs; ${load()}`);
  console.log('| entity x feature rows | engine | CPU | peak RSS | ns per feature row | hand query | peak RSS | ns per feature row | engine / hand |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const perRow: Record<'engine' | 'hand', number[]> = { engine: [], hand: [] };
  const fits: Record<'engine' | 'hand', Array<{ e: number; v: number; ms: number }>> = { engine: [], hand: [] };
  for (const s of sets) {
    const m = summary(s.engine);
    const h = summary(s.hand);
    for (const [mode, x] of [['engine', m], ['hand', h]] as const) {
      perRow[mode].push((x.ms * 1e6) / s.v);
      fits[mode].push({ e: s.e, v: s.v, ms: x.ms });
    }
    console.log(
      `| ${sizeName(s.e, s.v)} | ${(m.ms / 1000).toFixed(2)} s | ${(m.cpuMs / 1000).toFixed(2)} s | ${m.rss} MB | ${((m.ms * 1e6) / s.v).toFixed(0)} ` +
        `| ${(h.ms / 1000).toFixed(2)} s | ${h.rss} MB | ${((h.ms * 1e6) / s.v).toFixed(0)} | ${(m.ms / h.ms).toFixed(2)}x |`,
    );
  }
  for (const mode of ['engine', 'hand'] as const) {
    const spread = Math.max(...perRow[mode]) / Math.min(...perRow[mode]);
    const fit = linearFit(fits[mode]);
    const target = mode === 'engine' ? ` (target <= ${SCALE_TARGET}x): ${verdict(spread <= SCALE_TARGET)}` : '';
    console.log(`${mode}: ns per feature row, max / min ${spread.toFixed(2)}x${target}`);
    console.log(`  fit: ${fit.a.toFixed(0)} ns per entity row + ${fit.b.toFixed(0)} ns per feature row, worst miss ${(fit.miss * 100).toFixed(1)}%`);
  }
}

await ratio();
if (process.env['SCALE'] === '1') await scale();
