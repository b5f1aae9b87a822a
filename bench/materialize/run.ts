/**
 * Materialization benchmark (issues 3 and 13): ENTITIES entities x 10 float64 features (ROWS_PER_ENTITY offline rows
 * each) from Parquet through DuckDB into the local Redis. Each run is its own child process (peak RSS per run),
 * alternating with `redis-benchmark -P 16` HSET, this Redis' ceiling on this machine. Once at the end, the
 * ceiling of the very command materialization sends (SET NX GET PXAT, values of the bench's size). Keys go under a
 * fresh prefix in DB 9 and are deleted after. Run it under the shared lock: `flock /tmp/bench.lock npm run ...`.
 *
 *   npm run bench:materialize            # 1M entities, 5 runs
 *   RUNS=1 ENTITIES=200000 npm run bench:materialize
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deletePrefixAt, materializeBenchData } from './data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entities = Number(process.env['ENTITIES'] ?? 1_000_000);
const rowsPerEntity = Number(process.env['ROWS_PER_ENTITY'] ?? 2);
const runs = Number(process.env['RUNS'] ?? 5);
const TARGET = 200_000;
const redisBase = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const url = `${redisBase.replace(/\/\d+$/, '')}/9`;

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function redisBenchmark(args: string[]): number {
  const out = execFileSync('redis-benchmark', ['-u', url, '-q', ...args], { encoding: 'utf8' });
  const match = /([\d.]+) requests per second/.exec(out.split('\r').pop() ?? out);
  return match ? Number(match[1]) : NaN;
}

interface RunFigures {
  keys: number;
  seconds: number;
  rate: number;
  peakRssMiB: number;
  cpuSeconds: number;
  redisCpuSeconds: number;
}

await materializeBenchData(entities, rowsPerEntity);
const rates: number[] = [];
const rss: number[] = [];
const ceilings: number[] = [];
for (let run = 1; run <= runs; run++) {
  const before = load();
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'one-run.ts')], {
    encoding: 'utf8',
    env: { ...process.env, ENTITIES: String(entities), ROWS_PER_ENTITY: String(rowsPerEntity), BENCH_URL: url, BENCH_PREFIX: `ffbench${process.pid}r${run}` },
  });
  const figures = JSON.parse(out.trim().split('\n').pop() as string) as RunFigures;
  rates.push(figures.rate);
  rss.push(figures.peakRssMiB);
  const hset = redisBenchmark(['-P', '16', '-n', '1000000', '-t', 'hset', '-r', '1000000']);
  ceilings.push(hset);
  execFileSync('redis-cli', ['-u', url, 'del', 'myhash']);
  console.log(
    `run ${run}: ${figures.keys} keys in ${figures.seconds.toFixed(2)} s = ${fmt(figures.rate)} entities/s; peak RSS ${figures.peakRssMiB} MiB; ` +
      `CPU node+duckdb ${figures.cpuSeconds.toFixed(2)} s, redis ${figures.redisCpuSeconds.toFixed(2)} s; load ${before} -> ${load()}; ` +
      `redis-benchmark -P 16 HSET ${fmt(hset)} ops/s`,
  );
}

// The command materialization sends, with a value of the bench's size, from redis-benchmark (C, its own core).
const value = `1764693000000000,,abcd1234;[${Array.from({ length: 10 }, () => '123.45').join(',')}]`.padEnd(158, '0');
const pxat = String(Date.now() + 86_400_000);
const setNx = redisBenchmark(['-P', '64', '-n', '1000000', '-r', '1000000', 'SET', `ffbenchceil${process.pid}:{i__rand_int__}:stats`, value, 'NX', 'GET', 'PXAT', pxat]);
await deletePrefixAt(url, `ffbenchceil${process.pid}`);

const rate = median(rates);
console.log(
  `\nmedian of ${runs}: ${fmt(rate)} entities/s x 10 features (target >= ${fmt(TARGET)}): ${rate >= TARGET ? 'met' : 'NOT met'}; ` +
    `runs ${rates.map(fmt).join(', ')}; peak RSS median ${median(rss)} MiB; load now ${load()} on ${os.availableParallelism()} cores`,
);
console.log(`ceilings: redis-benchmark -P 16 HSET median ${fmt(median(ceilings))} ops/s; SET NX GET PXAT (158 B values) -P 64 ${fmt(setNx)} ops/s`);
