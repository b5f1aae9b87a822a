/**
 * Push benchmark: starts `featureflow serve` as a child process (the load generator must not share the server's
 * event loop) and sends POST /push requests of 100 rows x 10 features each, closed loop on a few keep-alive
 * connections, every row a real write (fresh entities and newer event times, so the Lua newer-wins check passes).
 * Reports rows/s written into Redis and p50/p99 request latency per run, then the median of the runs against the
 * targets (>= 50k rows/s, p99 < 10 ms on 2 cores).
 *
 *   npm run bench:push -- [--runs 5] [--duration 5] [--connections 4] [--rows 100] [--workers 1] [--to online]
 *                         [--entities 100000] [--rate 250]
 *
 * Then an open-loop run at a fixed `--rate` requests/s (default 250, i.e. 25k rows/s, half the target) whose
 * latency is counted from each request's due time: what a pusher sees at a steady load rather than at saturation.
 *
 * Requests cycle through `--entities` users, so after the first cycle every row updates a key that exists (what a
 * stream of pushes does); a push of fewer than 1,000 rows is one newer-wins script call whether its keys exist or
 * not (script-write.ts). A huge --entities (10000000) measures first writes only.
 *
 * SERVER_NODE_ARGS go to the server's node (e.g. `--cpu-prof`, `--trace-gc`); SERVER_STDOUT=1 shows its stdout
 * (where --trace-gc writes).
 *
 * REDIS_URL picks the Redis (default redis://127.0.0.1:6379). `--to online_and_offline` also appends a Parquet file
 * per request (fsync included), which is disk-bound: the targets are for `online`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import type { RepoInput } from '../../src/registry/schema.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { fixedRate } from '../serve/fixed-rate.js';
import { FEATURES } from '../serve/features.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '4' },
    rows: { type: 'string', default: '100' },
    workers: { type: 'string', default: '1' },
    to: { type: 'string', default: 'online' },
    port: { type: 'string', default: '6598' },
    entities: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '250' },
  },
});
const RUNS = Number(args.runs);
const DURATION_MS = Number(args.duration) * 1000;
const CONNECTIONS = Number(args.connections);
const ROWS = Number(args.rows);
const WORKERS = Number(args.workers);
const TO = args.to;
const PORT = Number(args.port);
const ENTITIES = Number(args.entities);
const RATE = Number(args.rate);
const TARGET_ROWS_PER_SECOND = 50_000;
const TARGET_P99_MS = 10;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


function repoInput(keyPrefix: string): RepoInput {
  return {
    project: 'bench',
    offlineStore: { path: 'offline' },
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [
      { name: 'events', type: 'file', path: 'data/events.parquet' },
      { name: 'live', type: 'push', batchSource: 'events' },
    ],
    featureViews: [
      { name: 'user_stats', entities: ['user'], source: 'live', ttl: '7d', schema: FEATURES.map(([name, dtype]) => ({ name, dtype })) },
    ],
  };
}

/**
 * One request body per request of a run, built and UTF-8 encoded before the clock starts: on 2 cores, every cycle
 * the load generator spends is taken from the server or Redis.
 */
function bodies(count: number, run: number): Buffer[] {
  const base = Date.now() - 3_600_000;
  return Array.from({ length: count }, (_, n) => {
    const first = ((run * count + n) * ROWS) % ENTITIES;
    const ids = Array.from({ length: ROWS }, (_, i) => (first + i) % ENTITIES);
    const df: Record<string, unknown[]> = {
      user_id: ids,
      // Newer on every request, so each row passes the newer-wins check and is really written.
      event_timestamp: ids.map(() => new Date(base + run * 60_000 + n).toISOString()),
    };
    FEATURES.forEach(([name, dtype], f) => {
      df[name] = ids.map((id) => (dtype === 'string' ? 'DE' : dtype === 'string[]' ? ['a', 'b'] : dtype.startsWith('int') ? (id + f) % 1000 : (id % 97) / 8));
    });
    return Buffer.from(JSON.stringify({ push_source_name: 'live', to: TO, df }));
  });
}

interface RunResult {
  rowsPerSecond: number;
  writtenPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function post(agent: http.Agent, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: PORT, path: '/push', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function runOnce(run: number, durationMs: number): Promise<RunResult> {
  // Enough bodies for 3000 requests/s; past that a body repeats and its rows count as skipped, not written.
  const pool = bodies(Math.ceil((durationMs / 1000) * 3000), run);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let next = 0;
  let rows = 0;
  let written = 0;
  let errors = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() - started < durationMs) {
      const body = pool[next++ % pool.length] as Buffer;
      const t0 = performance.now();
      const res = await post(agent, body);
      latencies.push(performance.now() - t0);
      if (res.status !== 200) {
        errors++;
        continue;
      }
      const summary = JSON.parse(res.text) as { rows: number; views: Record<string, { written: number }> };
      rows += summary.rows;
      written += summary.views['user_stats']?.written ?? 0;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rowsPerSecond: rows / seconds, writtenPerSecond: written / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

async function waitReady(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with code ${server.exitCode}`);
    try {
      if ((await fetch(`${url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('server did not become ready within 30 s');
}

/**
 * The server's own view of /push latency (request start to response end, from its /metrics histogram, over every
 * run including the warm-up): what the server adds, as opposed to queueing in the client, the kernel and Redis.
 */
async function serverSideLatency(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = [...text.matchAll(/^featureflow_http_request_duration_seconds_bucket\{route="\/push",le="([^"]+)"\} (\d+)$/gm)].map(
    (m) => [Number(m[1]), Number(m[2])] as const,
  );
  const count = buckets.at(-1)?.[1] ?? 0;
  const upTo = (q: number): string => {
    const bucket = buckets.find(([, n]) => n >= q * count);
    return bucket ? `<= ${bucket[0] * 1000} ms` : '?';
  };
  return `server side (its /metrics histogram, one worker's share): p50 ${upTo(0.5)}, p99 ${upTo(0.99)} over ${count} requests`;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const keyPrefix = `ffbench:${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-bench-push-'));
  const config = path.join(dir, 'featureflow.json');
  writeFileSync(config, JSON.stringify(repoInput(keyPrefix), null, 2));
  const redis = new Redis(redisUrl());
  let server: ChildProcess | undefined;
  try {
    // SERVER_NODE_ARGS go to the server's node only, e.g. `--cpu-prof` to see where a push spends its time.
    const nodeArgs = (process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, 'bin/featureflow.js', 'serve', '--config', config, '--port', String(PORT), '--workers', String(WORKERS)], {
      cwd: ROOT,
      stdio: ['ignore', process.env['SERVER_STDOUT'] ? 'inherit' : 'ignore', 'inherit'],
    });
    await waitReady(`http://127.0.0.1:${PORT}`, server);
    console.log(`server: ${WORKERS} worker(s); load: ${CONNECTIONS} connections, ${ROWS} rows x ${FEATURES.length} features per request, to: ${TO}, ${os.cpus().length} cores`);
    await runOnce(0, 2000); // JIT, connections, schema registration; not reported
    const results: RunResult[] = [];
    console.log('\nrun   rows/s   written/s   p50 ms   p99 ms   errors');
    for (let run = 1; run <= RUNS; run++) {
      const r = await runOnce(run, DURATION_MS);
      results.push(r);
      console.log(`${String(run).padStart(3)} ${r.rowsPerSecond.toFixed(0).padStart(8)} ${r.writtenPerSecond.toFixed(0).padStart(11)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(8)}`);
    }
    console.log(await serverSideLatency(`http://127.0.0.1:${PORT}`));
    const steadyBodies = bodies(RATE * (DURATION_MS / 1000), RUNS + 1).map((b) => b.toString('utf8'));
    const steady = await fixedRate({ url: `http://127.0.0.1:${PORT}/push`, rate: RATE, durationSeconds: DURATION_MS / 1000, bodies: steadyBodies });
    console.log(
      `fixed rate ${RATE} req/s (${RATE * ROWS} rows/s): achieved ${steady.achievedRate.toFixed(0)} req/s, p50 ${steady.p50.toFixed(2)} ms, ` +
        `p99 ${steady.p99.toFixed(2)} ms from due time (p99 ${steady.sentP99.toFixed(2)} ms from send), ${steady.errors} errors`,
    );
    const written = median(results.map((r) => r.writtenPerSecond));
    const p50 = median(results.map((r) => r.p50));
    const p99 = median(results.map((r) => r.p99));
    console.log(`\nmedian of ${RUNS} runs: ${written.toFixed(0)} rows/s written into Redis, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    console.log(`target: >= ${TARGET_ROWS_PER_SECOND} rows/s: ${written >= TARGET_ROWS_PER_SECOND ? 'met' : 'MISSED'}; p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'}`);
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
