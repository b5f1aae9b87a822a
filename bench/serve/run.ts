/**
 * Online serving benchmark: writes N entities x 10 features to Redis under a fresh key prefix, starts
 * `featureflow serve` as a child process (the load generator must not share the server's core), and drives it with
 * autocannon at full speed (closed loop, 32 connections) for 1 entity x 10 features and 100 entities x 10 features,
 * then an open-loop run at a fixed 2k req/s (fixed-rate.ts) whose p99 is the latency a client sees under a steady
 * load. autocannon reports latency in whole milliseconds; the fixed-rate run to the microsecond.
 *
 *   npm run bench:serve -- [--workers 2] [--duration 10] [--connections 32] [--entities 10000] [--rate 2000]
 *                          [--log-served R]
 *
 * --log-served R: request by feature service instead of by feature list, and have the server log that service's
 * served values at rate R (`serve --log-served`); R = 0 requests by service without logging (the baseline to compare
 * with). The serving log's row counts from /metrics are printed at the end.
 *
 * REDIS_URL picks the Redis (default redis://127.0.0.1:6379). Figures depend on the machine: with 2 cores the load
 * generator and the server compete, so compare runs on the same machine only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { fixedRate } from './fixed-rate.js';
import { FEATURES } from './features.js';
import { BENCH_SERVICE, buildServerIfStale, repoInput, SERVER_BIN, waitReady, writeData } from './server-fixture.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    entities: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    port: { type: 'string', default: '6599' },
    'log-served': { type: 'string' },
  },
});
const WORKERS = Number(args.workers);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const ENTITIES = Number(args.entities);
const RATE = Number(args.rate);
const PORT = Number(args.port);
const LOG_RATE = args['log-served'] === undefined ? undefined : Number(args['log-served']);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


/** Request bodies cycled through, so requests hit different keys without building JSON in the load generator. */
function bodies(entitiesPerRequest: number, count = 256): string[] {
  return Array.from({ length: count }, (_, n) =>
    JSON.stringify({
      ...(LOG_RATE === undefined ? { features: FEATURES.map(([name]) => `user_stats:${name}`) } : { feature_service: BENCH_SERVICE }),
      entities: { user_id: Array.from({ length: entitiesPerRequest }, (_, i) => (n * 7919 + i * 104_729) % ENTITIES) },
    }),
  );
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, name: string, entitiesPerRequest: number): Promise<Row> {
  const pool = bodies(entitiesPerRequest);
  let next = 0;
  const result = await autocannon({
    url: `${url}/get-online-features`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: pool[next++ % pool.length] }),
      },
    ],
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

/**
 * Full-speed run with wrk when it is installed (Debian: apt-get install wrk): a C load generator leaves the server
 * the CPU that autocannon, a Node process, takes on a 2-core machine; otherwise autocannon.
 */
function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

function wrkLoad(url: string, name: string, entitiesPerRequest: number): Row {
  const pool = bodies(entitiesPerRequest, 64);
  const script = path.join(os.tmpdir(), `ff-wrk-${process.pid}.lua`);
  writeFileSync(
    script,
    `local bodies = { ${pool.map((b) => `[==[${b}]==]`).join(', ')} }
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[(n % #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("FF %d %f %f %f %d\\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
`,
  );
  const out = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '-s', script, `${url}/get-online-features`], { encoding: 'utf8' });
  rmSync(script, { force: true });
  const match = /^FF (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/m.exec(out.stdout ?? '');
  if (!match) throw new Error(`wrk failed: ${out.stderr || out.stdout}`);
  return { name: `${name} (wrk)`, rps: Number(match[2]), p50: Number(match[3]), p99: Number(match[4]), errors: Number(match[5]) };
}

async function steady(url: string, name: string, entitiesPerRequest: number): Promise<Row> {
  const run = (durationSeconds: number) =>
    fixedRate({ url: `${url}/get-online-features`, rate: RATE, durationSeconds, bodies: bodies(entitiesPerRequest) });
  await run(2); // the generator's own sockets and JIT, and the server's heap after the 100-entity run; not reported
  const result = await run(DURATION);
  console.log(`  (${name}: from send time, leaving out the generator's timer lateness: p50 ${result.sentP50.toFixed(2)} ms, p99 ${result.sentP99.toFixed(2)} ms)`);
  return { name, rps: result.achievedRate, p50: result.p50, p99: result.p99, errors: result.errors };
}

async function main(): Promise<void> {
  const keyPrefix = `ffbench:${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-bench-serve-'));
  const config = path.join(dir, 'featureflow.json');
  const input = repoInput(keyPrefix);
  writeFileSync(config, JSON.stringify(input, null, 2));
  const redis = new Redis(redisUrl());
  let server: ChildProcess | undefined;
  try {
    console.log(`writing ${ENTITIES} entities x ${FEATURES.length} features under ${keyPrefix} ...`);
    buildServerIfStale();
    await writeData(input, ENTITIES);
    const logging = LOG_RATE ? ['--log-served', `${BENCH_SERVICE}:${LOG_RATE}`] : [];
    server = spawn(process.execPath, [SERVER_BIN, 'serve', '--config', config, '--port', String(PORT), '--workers', String(WORKERS), ...logging], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} ${process.env['SERVER_NODE_OPTIONS'] ?? ''}`.trim() },
    });
    const url = `http://127.0.0.1:${PORT}`;
    await waitReady(url, server);
    console.log(`server: ${WORKERS} worker(s); load: ${CONNECTIONS} connections, ${DURATION} s per run, ${os.cpus().length} cores\n`);
    await load(url, 'warm-up', 1); // JIT, plan cache and connections; not reported
    const full = hasWrk() ? async (n: string, e: number) => wrkLoad(url, n, e) : (n: string, e: number) => load(url, n, e);
    const rows = [
      await full('1 entity x 10 features', 1),
      await full('100 entities x 10 features', 100),
      await steady(url, `1 entity x 10 features @ ${RATE} req/s`, 1),
    ];
    console.log('run                                    req/s    p50 ms    p99 ms   errors');
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(36)} ${r.rps.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(8)}  ${r.p99.toFixed(2).padStart(8)}  ${String(r.errors).padStart(7)}`,
      );
    }
    if (LOG_RATE !== undefined) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      console.log(`\nserving log (${LOG_RATE ? `rate ${LOG_RATE}` : 'off, requests by service'}; summed over the workers):`);
      for (const line of metrics.split('\n').filter((l) => l.startsWith('featureflow_served_log_rows_total'))) console.log(`  ${line}`);
    }
    console.log('\n(full-speed runs: closed loop, wrk if installed else autocannon (whole-ms latencies); fixed-rate run: open loop, latency from each request\'s due time)');
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await cleanupPrefix(redis, `${keyPrefix}:`);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
