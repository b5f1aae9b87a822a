/**
 * Serving tail and throughput measured with h2load (nghttp2-client), a C load generator that holds a fixed rate
 * (issue 13, target 3). Three shapes, five rounds, the shapes alternating within each round, medians reported:
 *
 *   fixed 1x10    1 entity x 10 features at a fixed 2k req/s, p99 from send time      target p99 < 1 ms
 *   fixed 100x10  100 entities x 10 features at a fixed 200 req/s                     target p99 < 5 ms
 *   full 1x10     1 entity x 10 features, closed loop at full speed, --workers 2       target >= 25k req/s
 *
 * The fixed-rate runs go to a one-process server, h2load beside it (--pin: server on core 0, h2load on core 1; Redis is
 * not ours to pin); the full-speed runs go to a `--workers 2` server
 * sharing both cores with h2load. Latency percentiles come from h2load's --log-file (per-request microseconds from
 * when the request was written to the socket to the end of its response), sorted here.
 *
 *   npm run bench:serve:h2load -- [--rounds 5] [--duration 10] [--entities 10000] [--rate 2000] [--rate-100 200]
 *                                 [--connections 32] [--floor [--floor-redis]]
 *
 * --floor runs the same load against a bare node:http server with canned answers (floor-server.ts): what Node's HTTP
 * stack, the loopback and this machine's scheduling cost without any of Featureflow's work; --floor-redis adds one
 * Redis round trip per request (ioredis MGET), as a read needs.
 *
 * Run it under the shared lock: `flock /tmp/bench.lock npm run bench:serve:h2load`. SERVER_NODE_ARGS are node flags for
 * the servers only (`SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' ... --only 0`, then profile-summary.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { FEATURES } from './features.js';
import { buildServerIfStale, repoInput, SERVER_BIN, waitReady, writeData } from './server-fixture.js';
import { describeSplit, TailSplitter } from './tail-split.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    entities: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    'rate-100': { type: 'string', default: '200' },
    connections: { type: 'string', default: '32' },
    /** Run only these shapes (comma-separated indexes 0-2), e.g. when profiling one. */
    only: { type: 'string' },
    /**
     * Pin the one-process server to core 0 and h2load to core 1. Off by default: with other work on the machine a
     * pinned server cannot move off a busy core (p99 3.6 ms unpinned vs 6.3 ms pinned at load ~2.5).
     */
    pin: { type: 'boolean', default: false },
    /** Server processes for the fixed-rate runs (the full-speed run always has 2). */
    'fixed-workers': { type: 'string', default: '1' },
    /** Fixed-rate runs from one h2load whose clients fire together (see h2load() below). */
    aligned: { type: 'boolean', default: false },
    /** Measure bench/serve/floor-server.ts (bare node:http, canned answers) instead of `featureflow serve`. */
    floor: { type: 'boolean', default: false },
    /** With --floor: one Redis MGET per request before the canned answer. */
    'floor-redis': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const ENTITIES = Number(args.entities);
const CONNECTIONS = Number(args.connections);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORES = os.availableParallelism();
const FIXED_WORKERS = Number(args['fixed-workers']);
/** Clients of a fixed-rate run: each holds --rps rate/clients; a few, so one slow answer does not hold the rate. */
const FIXED_CLIENTS = 4;

interface Shape {
  name: string;
  entities: number;
  /** Fixed total req/s, or undefined for full speed. */
  rate: number | undefined;
  server: 'fixed' | 'workers2';
  check: (r: RunResult) => [string, boolean];
}

interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  load1: number;
}

const ALL_SHAPES: Shape[] = [
  { name: `fixed ${args.rate} req/s, 1 x 10`, entities: 1, rate: Number(args.rate), server: 'fixed', check: (r) => ['p99 < 1 ms', r.p99 < 1] },
  { name: `fixed ${args['rate-100']} req/s, 100 x 10`, entities: 100, rate: Number(args['rate-100']), server: 'fixed', check: (r) => ['p99 < 5 ms', r.p99 < 5] },
  { name: 'full speed, 1 x 10, --workers 2', entities: 1, rate: undefined, server: 'workers2', check: (r) => ['>= 25k req/s', r.rps >= 25_000] },
];

const SHAPES = args.only === undefined ? ALL_SHAPES : args.only.split(',').map((i) => ALL_SHAPES[Number(i)] as Shape);

function body(entities: number, round: number): string {
  const ids = Array.from({ length: entities }, (_, i) => (round * 7919 + i * 104_729) % ENTITIES);
  return JSON.stringify({ features: FEATURES.map(([name]) => `user_stats:${name}`), entities: { user_id: ids } });
}

/** taskset when there are cores to pin to, so the client and the server do not take turns on one core. */
function pinned(core: number, argv: string[]): string[] {
  return args.pin && CORES >= 2 && spawnSync('taskset', ['--version']).error === undefined ? ['taskset', '-c', String(core), ...argv] : argv;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

interface H2loadOut {
  done: number;
  failed: number;
  rps: number;
  non2xx: number;
  micros: number[];
}

async function h2loadProcess(argv: string[], logFile: string, delayMs: number): Promise<H2loadOut> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': the output may still be in the pipe when the process has exited.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`h2load failed: ${stderr || stdout}`);
  const done = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  const tput = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(stdout);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  if (!done || !tput || !status) throw new Error(`unexpected h2load output:\n${stdout}`);
  const micros = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => Number(line.split('\t')[2]));
  return { done: Number(done[1]), failed: Number(done[3]) + Number(done[4]), rps: Number(tput[1]), non2xx: Number(status[3]) + Number(status[4]), micros };
}

/**
 * A fixed-rate run is FIXED_CLIENTS h2load processes of one connection each, started 1/rate apart. One h2load with
 * -c 4 starts its clients' --rps timers together, so its "2k req/s" is bursts of 4 simultaneous requests every 2 ms:
 * the fourth waits for the three before it (100 x 10 at 200 req/s: p50 2.5-3.3 ms that way, 1.2 ms for one request
 * alone). --aligned measures that way anyway.
 */
async function h2load(url: string, shape: Shape, bodyFile: string, logFile: string): Promise<RunResult> {
  const common = ['--h1', '-H', 'content-type: application/json', '-d', bodyFile, '-D', String(DURATION), '--warm-up-time', '1', '-t', '1'];
  const target = `${url}/get-online-features`;
  const load1 = os.loadavg()[0] ?? 0;
  let runs: Array<Promise<H2loadOut>>;
  if (shape.rate === undefined) {
    runs = [h2loadProcess(['h2load', ...common, '--log-file', logFile, '-c', String(CONNECTIONS), target], logFile, 0)];
  } else if (args.aligned) {
    runs = [h2loadProcess(pinned(1, ['h2load', ...common, '--log-file', logFile, '-c', String(FIXED_CLIENTS), '--rps', String(shape.rate / FIXED_CLIENTS), target]), logFile, 0)];
  } else {
    const rate = shape.rate;
    runs = Array.from({ length: FIXED_CLIENTS }, (_, i) => {
      const log = `${logFile}.${i}`;
      return h2loadProcess(pinned(1, ['h2load', ...common, '--log-file', log, '-c', '1', '--rps', String(rate / FIXED_CLIENTS), target]), log, (i * 1000) / rate);
    });
  }
  const outs = await Promise.all(runs);
  const sorted = Float64Array.from(outs.flatMap((o) => o.micros), (us) => us / 1000).sort();
  return {
    rps: outs.reduce((n, o) => n + o.rps, 0),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    errors: outs.reduce((n, o) => n + o.failed + o.non2xx, 0),
    load1,
  };
}

async function startServer(config: string, port: number, workers: number, core: number | undefined): Promise<ChildProcess> {
  // node flags NODE_OPTIONS refuses (--cpu-prof); cluster workers inherit them as execArgv.
  const nodeArgs = (process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const argv = args.floor
    ? [process.execPath, ...nodeArgs, '--import', 'tsx', 'bench/serve/floor-server.ts', String(port), String(workers)]
    : [process.execPath, ...nodeArgs, SERVER_BIN, 'serve', '--config', config, '--port', String(port), '--workers', String(workers)];
  const [cmd, ...rest] = core === undefined ? argv : pinned(core, argv);
  const env = { ...process.env, FLOOR_REDIS: args['floor-redis'] ? '1' : '0' };
  const server = spawn(cmd as string, rest, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(`http://127.0.0.1:${port}`, server);
  return server;
}

/** Peak RSS (VmHWM) of a process and its descendants (the cluster workers), in MB. */
function peakRssMb(pid: number): number {
  const status = (p: number): string => {
    try {
      return readFileSync(`/proc/${p}/status`, 'utf8');
    } catch {
      return '';
    }
  };
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  let total = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop() as number;
    total += Number(/VmHWM:\s+(\d+) kB/.exec(status(p))?.[1] ?? 0) / 1024;
    todo.push(...children(p));
  }
  return total;
}

async function stop(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  if (spawnSync('h2load', ['--version']).error !== undefined) throw new Error('h2load is missing (Debian: apt-get install nghttp2-client)');
  if (!args.floor) buildServerIfStale();
  const keyPrefix = `ffbench:${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-bench-h2load-'));
  const config = path.join(dir, 'featureflow.json');
  const input = repoInput(keyPrefix);
  writeFileSync(config, JSON.stringify(input, null, 2));
  const redis = new Redis(redisUrl());
  const servers: Partial<Record<Shape['server'], ChildProcess>> = {};
  try {
    console.log(`writing ${ENTITIES} entities x ${FEATURES.length} features under ${keyPrefix} ...`);
    await writeData(input, ENTITIES);
    if (SHAPES.some((s) => s.server === 'fixed')) servers.fixed = await startServer(config, 6597, FIXED_WORKERS, FIXED_WORKERS === 1 ? 0 : undefined);
    if (SHAPES.some((s) => s.server === 'workers2')) servers.workers2 = await startServer(config, 6598, 2, undefined);
    const urls = { fixed: 'http://127.0.0.1:6597', workers2: 'http://127.0.0.1:6598' };
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
    if (args.floor) console.log(`FLOOR: a bare node:http server with canned answers${args['floor-redis'] ? ' after one Redis MGET each' : ''} (bench/serve/floor-server.ts), not featureflow serve`);
    console.log(`machine: ${CORES} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) at start`);
    console.log(`fixed-rate: server ${FIXED_WORKERS} process(es)${args.pin ? ' on core 0' : ''}, h2load (${FIXED_CLIENTS} clients, HTTP/1.1)${args.pin ? ' on core 1' : ''}; full speed: --workers 2, h2load ${CONNECTIONS} connections`);
    console.log(`${ROUNDS} rounds of ${DURATION} s per shape (1 s warm-up each), shapes alternating\n`);
    const results = SHAPES.map((): RunResult[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, shape] of SHAPES.entries()) {
        const bodyFile = path.join(dir, `body-${i}.json`);
        const logFile = path.join(dir, `log-${i}.tsv`);
        writeFileSync(bodyFile, body(shape.entities, round));
        const serverPid = servers[shape.server]?.pid;
        // The floor server has no /metrics to split by.
        const splitter = serverPid === undefined || args.floor ? undefined : new TailSplitter(serverPid, redisPid, urls[shape.server]);
        await splitter?.start();
        const r = await h2load(urls[shape.server], shape, bodyFile, logFile);
        const split = await splitter?.finish();
        results[i]?.push(r);
        console.log(
          `round ${round + 1} ${shape.name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)}  p99.9 ${r.p999.toFixed(3)} ms  errors ${r.errors}  load ${r.load1.toFixed(2)}`,
        );
        if (split) console.log(`        ${describeSplit(split)}`);
      }
    }
    console.log(`\nmedians of ${ROUNDS} (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at end):`);
    for (const [i, shape] of SHAPES.entries()) {
      const runs = results[i] ?? [];
      const m: RunResult = {
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        p999: median(runs.map((r) => r.p999)),
        errors: runs.reduce((n, r) => n + r.errors, 0),
        load1: median(runs.map((r) => r.load1)),
      };
      const [target, met] = shape.check(m);
      const figure = shape.rate === undefined ? `${m.rps.toFixed(0)} req/s (p50 ${m.p50.toFixed(2)}, p99 ${m.p99.toFixed(2)} ms)` : `p99 ${m.p99.toFixed(3)} ms (p50 ${m.p50.toFixed(3)}, p99.9 ${m.p999.toFixed(3)} ms, ${m.rps.toFixed(0)} req/s)`;
      console.log(`  ${shape.name.padEnd(34)} ${figure} (target ${target}): ${met ? 'met' : 'NOT met'}; errors ${m.errors}; load ${m.load1.toFixed(2)}`);
    }
    const rss = (s: ChildProcess | undefined): string => (s?.pid === undefined ? '-' : `${peakRssMb(s.pid).toFixed(0)} MB`);
    console.log(`peak RSS: fixed-rate server (${FIXED_WORKERS} process${FIXED_WORKERS === 1 ? '' : 'es'}) ${rss(servers.fixed)}, --workers 2 server (primary + workers) ${rss(servers.workers2)}`);
  } finally {
    await stop(servers.fixed);
    await stop(servers.workers2);
    await cleanupPrefix(redis, `${keyPrefix}:`);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
