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
 * SERVER_STDOUT=FILE keeps what the servers print: `SERVER_NODE_ARGS=--trace-gc SERVER_STDOUT=/tmp/gc.txt ...` logs every
 * collection with its pause.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { FEATURES } from './features.js';
import { medianResult, peakRssMb, requireH2load, runH2load, serveArgv, startServer as spawnServer, stopServer as stop, type RunResult } from './h2load-run.js';
import { buildServerIfStale, repoInput, writeData } from './server-fixture.js';
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
    /** Fixed-rate runs from one h2load whose clients fire together (see runH2load in h2load-run.ts). */
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

function h2load(url: string, shape: Shape, bodyFile: string, logFile: string): Promise<RunResult> {
  return runH2load({ url, bodyFile, logFile, durationSeconds: DURATION, rate: shape.rate, connections: CONNECTIONS, clients: FIXED_CLIENTS, pin: args.pin, aligned: args.aligned });
}

function startServer(config: string, port: number, workers: number, core: number | undefined): Promise<ChildProcess> {
  const argv = args.floor ? [process.execPath, ...(process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'bench/serve/floor-server.ts', String(port), String(workers)] : serveArgv(config, port, workers);
  const env = { ...process.env, FLOOR_REDIS: args['floor-redis'] ? '1' : '0' };
  return spawnServer(argv, { cwd: ROOT, port, pin: args.pin, ...(core === undefined ? {} : { core }), env });
}

async function main(): Promise<void> {
  requireH2load();
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
    console.log(`machine: ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) at start`);
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
      const m = medianResult(runs);
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
