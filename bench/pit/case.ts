/**
 * One measured run, in its own process so peak RSS belongs to that run alone. Prints one JSON line:
 * { mode, ms, cpuMs, maxRssMB, rows, stepMs } (cpuMs: the process's CPU time during the run, all threads). Modes: `engine` (getHistoricalFeatures), `hand` (one hand-written ASOF query) and `exact`
 * (handQueryExact: the engine's answer written by hand). With KEEP_OUTPUT=DIR the Parquet output is kept as DIR/MODE.parquet.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { userAccess } from '../../src/engine/access.js';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { getHistoricalFeatures } from '../../src/engine/historical.js';
import { literal } from '../../src/engine/sql.js';
import { BENCH_FEATURES, benchRepo, handQuery, handQueryExact } from './case-sql.js';
import type { PitBenchData } from './generate.js';

const [mode, dataJson, threadsArg, memoryLimit] = process.argv.slice(2);
const data = JSON.parse(dataJson as string) as PitBenchData;
const threads = Number(threadsArg ?? 2);
const keep = process.env['KEEP_OUTPUT'];
const out = keep ? path.join(keep, `${mode}.parquet`) : path.join(os.tmpdir(), `ff-pit-${mode}-${process.pid}.parquet`);
const tempDirectory = path.join(os.tmpdir(), `ff-pit-spill-${process.pid}`);

const repo = benchRepo(data);

/**
 * Wall time of each engine step (DuckDB statement), from the progress events; the rest is load, sort and write.
 * The last join runs inside the write, so its own event (which would repeat the write's time) is left out.
 */
const stepMs: Record<string, number> = {};
let writing = false;

async function runEngine(): Promise<number> {
  // The engine is locked to the repo's files; the entity file and the output are the user's, as in the CLI.
  const access = userAccess({ read: [data.entities], write: [out] });
  const ctx = await openEngine(repo, data.dir, { threads, memoryLimit: memoryLimit ?? '4GB', tempDirectory, access });
  try {
    const set = await getHistoricalFeatures(ctx, { path: data.entities }, BENCH_FEATURES, {
      onProgress: (e) => {
        if (e.done && !writing) stepMs[e.label] = Math.round(e.elapsedMs);
      },
    });
    const written = performance.now();
    writing = true;
    try {
      await set.toParquet(out);
      stepMs['last join, sort and write'] = Math.round(performance.now() - written);
      return set.rowCount;
    } finally {
      set.close();
    }
  } finally {
    closeEngine(ctx);
  }
}

async function runHand(): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(threads), memory_limit: memoryLimit ?? '4GB', temp_directory: tempDirectory,
  });
  const conn = await instance.connect();
  try {
    await conn.run(mode === 'exact' ? handQueryExact(data, out) : handQuery(data, out));
    const n = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${literal(out)})`);
    return Number(n.getRowsJS()[0]?.[0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const started = performance.now();
const cpuStart = process.cpuUsage();
const rows = mode === 'engine' ? await runEngine() : await runHand();
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStart);
if (!keep) rmSync(out, { force: true });
rmSync(tempDirectory, { recursive: true, force: true });
const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
console.log(JSON.stringify({ mode, ms: Math.round(ms), cpuMs, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), rows, stepMs }));
