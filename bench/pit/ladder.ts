/**
 * What the engine does that the hand-written ASOF query does not, and what each costs: a ladder of queries from the
 * hand query (rung 0) to getHistoricalFeatures itself (rung 6), each rung adding one thing the engine must do. Each
 * run is its own process (as bench:pit runs them), rungs alternate, medians and minimums of RUNS runs; on a shared
 * machine the minimum is the steadier figure. Run bench:pit first (it generates the data).
 *
 *   flock /tmp/bench.lock node --import tsx bench/pit/ladder.ts        # RUNS=5, 1M x 10M
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { userAccess } from '../../src/engine/access.js';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { allowReordering } from '../../src/engine/database.js';
import { getHistoricalFeatures } from '../../src/engine/historical.js';
import { combineSql, pitStepSelect, type JoinedView } from '../../src/engine/pit-join.js';
import { literal } from '../../src/engine/sql.js';
import { viewRows } from '../../src/engine/view-rows.js';
import { BENCH_FEATURES, benchRepo, handQuery } from './case-sql.js';
import { generatePitData, type PitBenchData } from './generate.js';
import { load, median } from './measure.js';

const RUNGS = [
  'hand-written ASOF query (bench:pit)',
  '+ row numbers carried and the sort back into input order',
  "+ the engine's view rows (dtypes, NULL-time rows never taken) and entity times as instants",
  '+ created-time tie-break (packed key)',
  '+ TTL',
  '+ entity rows copied into a temp table first',
  'getHistoricalFeatures (one join per statement), as bench:pit',
];
const REQUESTS = [
  { view: 'user_stats', features: ['clicks', 'avg_amount'] },
  { view: 'merchant_stats', features: ['fraud_rate'] },
  { view: 'pair_stats', features: ['txn_count'] },
];

/** The statement of rungs 1-5: all joins in one query, as the hand query, with what the rung adds. */
async function rungSql(rung: number, data: PitBenchData, out: string, run: (sql: string) => Promise<void>, ctx: Awaited<ReturnType<typeof openEngine>>): Promise<string> {
  const numbered = `SELECT file_row_number + 1 AS __ff_row, * EXCLUDE (file_row_number) FROM read_parquet(${literal(data.entities)}, file_row_number = true)`;
  if (rung === 1) {
    const hand = handQuery(data, out).replace(`read_parquet(${literal(data.entities)}) e`, `(${numbered}) e`);
    return hand.replace('SELECT e.*,', 'SELECT e.* EXCLUDE (__ff_row),').replace(/\) TO '/, ' ORDER BY e.__ff_row) TO \'');
  }
  const instants = numbered.replace('* EXCLUDE (file_row_number)', '* EXCLUDE (file_row_number) REPLACE (CAST(event_timestamp AS TIMESTAMPTZ) AS event_timestamp)');
  let source = `(${instants})`;
  if (rung >= 5) {
    await run(`CREATE TEMP TABLE __ff_entities AS ${instants}`);
    source = '__ff_entities';
  }
  for (const req of REQUESTS) {
    const view = ctx.repo.featureViews.find((v) => v.name === req.view);
    if (!view) throw new Error(`no view ${req.view}`);
    const all = viewRows(ctx, view, req.features);
    const rows = { ...all, hasCreated: rung >= 3 && all.hasCreated, ttlSeconds: rung >= 4 ? all.ttlSeconds : 0 };
    const features = req.features.map((f) => ({ feature: f, output: f }));
    source = `(${pitStepSelect(source, { rows, features, timestampColumn: 'event_timestamp', nullTimes: false }, 'packed')})`;
  }
  const joined: JoinedView[] = REQUESTS.map((r) => ({ chained: true, outputs: r.features }));
  return `COPY (${combineSql(source, ['user_id', 'merchant_id', 'event_timestamp', 'label'], joined)}) TO ${literal(out)} (FORMAT parquet)`;
}

/** One measured run in this process: wall and CPU from opening DuckDB to closing it, as case.ts measures. */
async function child(rung: number, data: PitBenchData): Promise<void> {
  const out = path.join(os.tmpdir(), `ff-pit-ladder-${process.pid}.parquet`);
  const tempDirectory = path.join(os.tmpdir(), `ff-pit-ladder-spill-${process.pid}`);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const ctx = await openEngine(benchRepo(data), data.dir, {
    threads: 2, memoryLimit: '4GB', tempDirectory, access: userAccess({ read: [data.entities], write: [out] }),
  });
  try {
    if (rung === RUNGS.length - 1) {
      const set = await getHistoricalFeatures(ctx, { path: data.entities }, BENCH_FEATURES);
      await set.toParquet(out);
      set.close();
    } else {
      const conn = await ctx.db.connect();
      // The hand query runs with DuckDB's defaults; the engine's statements on a connection that may reorder rows.
      if (rung > 0) await allowReordering(conn);
      await conn.run(await rungSql(rung, data, out, async (sql) => void (await conn.run(sql)), ctx));
      conn.closeSync();
    }
  } finally {
    closeEngine(ctx);
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  rmSync(out, { force: true });
  rmSync(tempDirectory, { recursive: true, force: true });
  console.log(JSON.stringify({ rung, ms: Math.round(ms), cpuMs: Math.round((used.user + used.system) / 1000) }));
}

const here = path.dirname(fileURLToPath(import.meta.url));
const data = await generatePitData(path.join(here, 'data', '1000000-10000000'), 1_000_000, 10_000_000);
if (process.argv[2] === '--rung') {
  await child(Number(process.argv[3]), data);
} else {
  const runs = Number(process.env['RUNS'] ?? 5);
  const results: Array<Array<{ ms: number; cpuMs: number }>> = RUNGS.map(() => []);
  console.log(`1M x 10M, 2 threads; ${load()}`);
  for (let i = 0; i < runs; i++) {
    const order = RUNGS.map((_, r) => r);
    for (const rung of i % 2 === 0 ? order : order.reverse()) {
      const line = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--rung', String(rung)], { encoding: 'utf8' });
      results[rung]?.push(JSON.parse(line.trim().split('\n').pop() as string) as { ms: number; cpuMs: number });
    }
  }
  console.log(`median / min of ${runs} runs each, rungs alternating; ${load()}`);
  let previous: number | undefined;
  for (const [rung, rs] of results.entries()) {
    const min = Math.min(...rs.map((r) => r.ms));
    const step = previous === undefined ? '' : ` (${min - previous >= 0 ? '+' : ''}${min - previous} ms)`;
    console.log(`${String(rung).padStart(2)} ${(RUNGS[rung] as string).padEnd(84)} wall ${median(rs.map((r) => r.ms))} / ${min} ms${step.padEnd(12)} CPU ${median(rs.map((r) => r.cpuMs))} / ${Math.min(...rs.map((r) => r.cpuMs))} ms`);
    previous = min;
  }
}
