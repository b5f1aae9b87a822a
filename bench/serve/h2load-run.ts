/**
 * What the h2load benches share (bench/serve/h2load.ts, bench/stream/serve-http.ts): running h2load (nghttp2-client,
 * a C load generator that holds a fixed rate) against /get-online-features and reading its per-request log, spawning
 * and stopping `featureflow serve`, peak RSS, medians.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { SERVER_BIN, waitReady } from './server-fixture.js';

const CORES = os.availableParallelism();

export interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  load1: number;
}

export function requireH2load(): void {
  if (spawnSync('h2load', ['--version']).error !== undefined) throw new Error('h2load is missing (Debian: apt-get install nghttp2-client)');
}

/** taskset when asked and there are cores to pin to, so the client and the server do not take turns on one core. */
export function pinned(pin: boolean, core: number, argv: string[]): string[] {
  return pin && CORES >= 2 && spawnSync('taskset', ['--version']).error === undefined ? ['taskset', '-c', String(core), ...argv] : argv;
}

export function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
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

export interface H2loadOptions {
  url: string;
  bodyFile: string;
  logFile: string;
  durationSeconds: number;
  /** Fixed total req/s, or undefined for a closed loop at full speed over `connections`. */
  rate: number | undefined;
  /** Connections of a full-speed run. */
  connections: number;
  /** h2load processes of one connection each holding rate/clients (fixed-rate runs). */
  clients: number;
  /** Fixed-rate runs: h2load on core 1. */
  pin: boolean;
  /** Fixed-rate runs from one h2load whose clients fire together (see below). */
  aligned: boolean;
}

/**
 * One h2load run; latency percentiles from h2load's --log-file (per-request microseconds from when the request was
 * written to the socket to the end of its response), sorted here. A fixed-rate run is `clients` h2load processes of
 * one connection each, started 1/rate apart. One h2load with -c 4 starts its clients' --rps timers together, so its
 * "2k req/s" is bursts of 4 simultaneous requests every 2 ms: the fourth waits for the three before it (100 x 10 at
 * 200 req/s: p50 2.5-3.3 ms that way, 1.2 ms for one request alone). `aligned` measures that way anyway.
 */
export async function runH2load(o: H2loadOptions): Promise<RunResult> {
  const common = ['--h1', '-H', 'content-type: application/json', '-d', o.bodyFile, '-D', String(o.durationSeconds), '--warm-up-time', '1', '-t', '1'];
  const target = `${o.url}/get-online-features`;
  const load1 = os.loadavg()[0] ?? 0;
  let runs: Array<Promise<H2loadOut>>;
  if (o.rate === undefined) {
    runs = [h2loadProcess(['h2load', ...common, '--log-file', o.logFile, '-c', String(o.connections), target], o.logFile, 0)];
  } else if (o.aligned) {
    runs = [h2loadProcess(pinned(o.pin, 1, ['h2load', ...common, '--log-file', o.logFile, '-c', String(o.clients), '--rps', String(o.rate / o.clients), target]), o.logFile, 0)];
  } else {
    const rate = o.rate;
    runs = Array.from({ length: o.clients }, (_, i) => {
      const log = `${o.logFile}.${i}`;
      return h2loadProcess(pinned(o.pin, 1, ['h2load', ...common, '--log-file', log, '-c', '1', '--rps', String(rate / o.clients), target]), log, (i * 1000) / rate);
    });
  }
  const outs = await Promise.all(runs);
  const sorted = Float64Array.from(outs.flatMap((out) => out.micros), (us) => us / 1000).sort();
  return {
    rps: outs.reduce((n, out) => n + out.rps, 0),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    errors: outs.reduce((n, out) => n + out.failed + out.non2xx, 0),
    load1,
  };
}

/** The medians of several runs' figures (errors summed). */
export function medianResult(runs: readonly RunResult[]): RunResult {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    p999: median(runs.map((r) => r.p999)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    load1: median(runs.map((r) => r.load1)),
  };
}

/**
 * node, SERVER_NODE_ARGS (node flags for the servers only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; NODE_OPTIONS
 * refuses --cpu-prof; cluster workers inherit them as execArgv) and `featureflow serve` over `config`.
 */
export function serveArgv(config: string, port: number, workers: number): string[] {
  const nodeArgs = (process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  return [process.execPath, ...nodeArgs, SERVER_BIN, 'serve', '--config', config, '--port', String(port), '--workers', String(workers)];
}

/** Spawns `argv` in `cwd` (on `core` when pinning) and waits for its /ready on `port`. */
export async function startServer(argv: string[], options: { cwd: string; port: number; pin: boolean; core?: number; env?: NodeJS.ProcessEnv }): Promise<ChildProcess> {
  const [cmd, ...rest] = options.core === undefined ? argv : pinned(options.pin, options.core, argv);
  // SERVER_STDOUT=FILE keeps what the server prints (e.g. SERVER_NODE_ARGS=--trace-gc writes there).
  const stdoutFile = process.env['SERVER_STDOUT'];
  const stdout = stdoutFile ? openSync(stdoutFile, 'a') : 'ignore';
  const server = spawn(cmd as string, rest, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', stdout, 'inherit'] });
  if (typeof stdout === 'number') closeSync(stdout);
  await waitReady(`http://127.0.0.1:${options.port}`, server);
  return server;
}

/** SIGTERM, then waits for the exit (a --cpu-prof server writes its profile on the way out). */
export async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

/** Peak RSS (VmHWM) of a process and its descendants (the cluster workers), in MB. */
export function peakRssMb(pid: number): number {
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
