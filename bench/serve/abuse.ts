/**
 * Fair serving under abuse (issue 10): a well-behaved client sends small reads (1 entity x 10 features) at a fixed
 * rate while one abusive client does one thing at a time, and its latency (p50/p99, from each request's due time)
 * and errors are printed per phase:
 *   baseline     no abuse
 *   big-refused  200k-entity requests (~710 KB bodies, under the 1 MiB body limit) in a loop: 400
 *   big-at-limit requests of exactly the entities x features limit (10k x 10) in a loop: served, in slices
 *   stall        300 uploads of 990 KB of a declared 1 MB that then stop sending (those within the body memory
 *                budget are cut after the body-idle timeout, the rest refused at once)
 *   flood        300 concurrent connections in a closed loop, beyond the in-flight read cap
 * Target: the well-behaved client's p99 < 10 ms in every phase. Figures only, no assertions.
 *
 * The server (`featureflow serve`, one process), the abuser and the measuring client are separate processes, with
 * real Redis under a fresh key prefix (REDIS_URL, default redis://127.0.0.1:6379). On 2 cores the abuser and the
 * server share the machine, so figures compare between runs on one machine only.
 *
 *   npm run bench:serve:abuse -- [--duration 8] [--rate 200] [--phases baseline,stall]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { runClient } from './abuse-clients.js';
import { FEATURES } from './features.js';
import { buildServerIfStale, repoInput, SERVER_BIN, waitReady, writeData } from './server-fixture.js';

const { values: args } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    url: { type: 'string', default: '' },
    entities: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '8' },
    count: { type: 'string', default: '1' },
    'feature-count': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    port: { type: 'string', default: '6598' },
    phases: { type: 'string', default: 'baseline,big-refused,big-at-limit,stall,flood' },
    'abuser-nice': { type: 'string', default: '19' },
  },
});
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);
const ENTITIES = Number(args.entities);
const DURATION = Number(args.duration);
/** The abusive client's nice value (0 = same priority as the server); see client(). */
const ABUSER_NICE = Number(args['abuser-nice']);

interface Phase {
  name: string;
  abuser?: string[];
}

const PHASES: Phase[] = [
  { name: 'baseline' },
  { name: 'big-refused', abuser: ['--role', 'big', '--count', '200000', '--feature-count', '1', '--concurrency', '2'] },
  { name: 'big-at-limit', abuser: ['--role', 'big', '--count', '10000', '--feature-count', '10', '--concurrency', '2'] },
  { name: 'stall', abuser: ['--role', 'stall', '--count', '300'] },
  { name: 'flood', abuser: ['--role', 'flood', '--count', '1', '--feature-count', '10', '--concurrency', '300'] },
];

/** Runs a client role in its own process; resolves with the JSON it printed. */
function client(url: string, extra: string[]): { done: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--url', url, '--entities', String(ENTITIES), ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // In production the abuser runs on its own machine: here it shares our 2 cores, so it runs at the lowest priority
  // to keep its own CPU out of the figures (what is measured is what the server does for others).
  if (ABUSER_NICE && !extra.includes('measure') && child.pid !== undefined) os.setPriority(child.pid, ABUSER_NICE);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<Record<string, unknown>>((resolve, reject) =>
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line) reject(new Error(`client ${extra.join(' ')} exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as Record<string, unknown>);
    }),
  );
  return { done };
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : -1;
}

async function scrape(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^featureflow_(http_rejected_total\{reason="(\w+)"\}|online_store_errors_total) (\d+)/gm)) {
    out[m[2] ?? 'store_errors'] = Number(m[3]);
  }
  const delay = /^featureflow_event_loop_delay_seconds\{quantile="0.99"\} ([\d.e-]+)/m.exec(text);
  out.loop_delay_p99_ms = Math.round(Number(delay?.[1] ?? -1) * 1e4) / 10;
  const buffers = /^featureflow_process_memory_bytes\{kind="array_buffers"\} (\d+)/m.exec(text);
  out.array_buffers_mb = Math.round(Number(buffers?.[1] ?? -1) / 2 ** 20);
  return out;
}

async function phase(url: string, serverPid: number, p: Phase): Promise<void> {
  const before = await scrape(url);
  const rssBefore = rssMb(serverPid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(serverPid))), 200);
  // The abuser runs for the whole measurement plus its start-up; the stall phase waits out the body-idle timeout.
  const abuserSeconds = p.name === 'stall' ? DURATION + 20 : DURATION + 3;
  const abuser = p.abuser ? client(url, [...p.abuser, '--duration', String(abuserSeconds)]) : undefined;
  if (abuser) await new Promise((resolve) => setTimeout(resolve, 2500)); // its process start-up (tsx) and first requests
  const measured = await client(url, ['--role', 'measure', '--rate', String(args.rate), '--duration', String(DURATION)]).done;
  const abuse = abuser ? await abuser.done : {};
  clearInterval(sampler);
  const after = await scrape(url);
  const delta = Object.fromEntries(
    Object.entries(after)
      .filter(([k]) => k !== 'array_buffers_mb' && k !== 'loop_delay_p99_ms')
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );
  const f = (n: unknown): string => (typeof n === 'number' ? n.toFixed(2) : '?');
  console.log(
    `${p.name.padEnd(13)} p50 ${f(measured.p50).padStart(7)} ms  p99 ${f(measured.p99).padStart(7)} ms  max ${f(measured.max).padStart(8)} ms  ` +
      `errors ${String(measured.errors).padStart(4)}/${measured.sent}  rss ${rssBefore}->${rssPeak}->${rssMb(serverPid)} MB` +
      `  array buffers after ${after.array_buffers_mb} MB  server loop delay p99 ${after.loop_delay_p99_ms} ms`,
  );
  console.log(`${''.padEnd(13)} abuser ${JSON.stringify(abuse)}  metrics ${JSON.stringify(delta)}`);
}

async function main(): Promise<void> {
  const keyPrefix = `ffbench:${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-bench-abuse-'));
  const config = path.join(dir, 'featureflow.json');
  const input = repoInput(keyPrefix);
  writeFileSync(config, JSON.stringify(input, null, 2));
  const redis = new Redis(redisUrl());
  let server: ChildProcess | undefined;
  try {
    console.log(`writing ${ENTITIES} entities x ${FEATURES.length} features under ${keyPrefix} ...`);
    buildServerIfStale();
    await writeData(input, ENTITIES);
    server = spawn(process.execPath, [SERVER_BIN, 'serve', '--config', config, '--port', args.port, '--workers', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${args.port}`;
    await waitReady(url, server);
    console.log(`well-behaved client: 1 entity x 10 features at ${args.rate} req/s for ${DURATION} s per phase; ${os.cpus().length} cores\n`);
    const wanted = new Set(args.phases.split(','));
    for (const p of PHASES) if (wanted.has(p.name)) await phase(url, server.pid as number, p);
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

if (args.role === 'main') await main();
else {
  const result = await runClient({
    role: args.role,
    url: args.url,
    entities: ENTITIES,
    rate: Number(args.rate),
    duration: DURATION,
    count: Number(args.count),
    featureCount: Number(args['feature-count']),
    concurrency: Number(args.concurrency),
  });
  console.log(JSON.stringify(result));
}
