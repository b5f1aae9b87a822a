/**
 * Which of the engine's instance settings (src/engine/database.ts) slows the hand-written ASOF query: the same
 * query on instances configured in several ways, each run its own process, configurations alternating in rotated
 * order round after round; medians and minimums of RUNS runs. Run bench:pit first (it generates the data).
 *
 *   flock /tmp/bench.lock node --import tsx bench/pit/settings.ts [config ...]    # RUNS=5; all configs by default
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { userAccess } from '../../src/engine/access.js';
import { closeEngine, openEngine, type EngineContext } from '../../src/engine/context.js';
import { literalList } from '../../src/engine/sql.js';
import { benchRepo, handQuery } from './case-sql.js';
import { generatePitData } from './generate.js';
import { load, median } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = await generatePitData(path.join(here, 'data', '1000000-10000000'), 1_000_000, 10_000_000);

/** Statements run after the instance starts, before the query, as Database.open runs them. */
function configs(tempDirectory: string): Record<string, string[]> {
  const lock = [
    `SET GLOBAL allowed_directories = ${literalList([`${data.dir}/`, `${tempDirectory}/`, `${os.tmpdir()}/`])}`,
    `SET GLOBAL allowed_paths = ${literalList([data.entities])}`,
    'SET GLOBAL autoinstall_known_extensions = false',
    'SET GLOBAL autoload_known_extensions = false',
    'SET GLOBAL enable_external_access = false',
    `SET GLOBAL allowed_configs = ['preserve_insertion_order']`,
    'SET GLOBAL lock_configuration = true',
  ];
  return {
    plain: [],
    openEngine: [],
    engine: [`SET GLOBAL TimeZone = 'UTC'`, ...lock],
    tz: [`SET GLOBAL TimeZone = 'UTC'`],
    icu: ['LOAD icu'],
    lock,
    'lock-no-external': lock.filter((s) => !s.includes('enable_external_access')),
    'external-off': [`SET GLOBAL allowed_directories = ${literalList([`${data.dir}/`, `${tempDirectory}/`, `${os.tmpdir()}/`])}`, 'SET GLOBAL enable_external_access = false'],
    'autoload-off': ['SET GLOBAL autoinstall_known_extensions = false', 'SET GLOBAL autoload_known_extensions = false'],
    'lock-config': ['SET GLOBAL lock_configuration = true'],
  };
}

async function child(name: string): Promise<void> {
  const out = path.join(os.tmpdir(), `ff-pit-settings-${process.pid}.parquet`);
  const tempDirectory = path.join(os.tmpdir(), `ff-pit-settings-spill-${process.pid}`);
  const statements = configs(tempDirectory)[name];
  if (!statements) throw new Error(`no config ${name}`);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let ctx: EngineContext | undefined;
  let instance: DuckDBInstance;
  if (name === 'openEngine') {
    // The engine's own open (Database.open, the offline catalog, the repo SQL check), as bench:pit's engine run.
    const access = userAccess({ read: [data.entities], write: [out] });
    ctx = await openEngine(benchRepo(data), data.dir, { threads: 2, memoryLimit: '4GB', tempDirectory, access });
    instance = ctx.db.instance;
  } else {
    instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '4GB', temp_directory: tempDirectory });
    const setup = await instance.connect();
    for (const s of statements) await setup.run(s);
    setup.closeSync();
  }
  const conn = await instance.connect();
  const q = performance.now();
  await conn.run(handQuery(data, out));
  const queryMs = performance.now() - q;
  conn.closeSync();
  if (ctx) closeEngine(ctx);
  else instance.closeSync();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  rmSync(out, { force: true });
  rmSync(tempDirectory, { recursive: true, force: true });
  console.log(JSON.stringify({ name, ms: Math.round(ms), queryMs: Math.round(queryMs), cpuMs: Math.round((used.user + used.system) / 1000) }));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as string);
} else {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(configs(''));
  const runs = Number(process.env['RUNS'] ?? 5);
  const results = new Map<string, Array<{ ms: number; queryMs: number; cpuMs: number }>>(names.map((n) => [n, []]));
  console.log(`hand query, 1M x 10M, 2 threads; ${load()}`);
  for (let i = 0; i < runs; i++) {
    // Rotated each round, so each config runs in each position equally often (reversing as well would undo the
    // rotation for two configs, one always first).
    for (const name of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
      const line = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', name], { encoding: 'utf8' });
      const r = JSON.parse(line.trim().split('\n').pop() as string) as { ms: number; queryMs: number; cpuMs: number };
      results.get(name)?.push(r);
      console.log(`run ${i + 1} ${name.padEnd(18)} ${r.ms} ms (query ${r.queryMs} ms), CPU ${r.cpuMs} ms`);
    }
  }
  console.log(`\nmedian / min of ${runs} runs; ${load()}`);
  for (const [name, rs] of results) {
    const ms = rs.map((r) => r.ms);
    console.log(`${name.padEnd(18)} wall ${median(ms)} / ${Math.min(...ms)} ms  query ${median(rs.map((r) => r.queryMs))} ms  CPU ${median(rs.map((r) => r.cpuMs))} ms`);
  }
}
