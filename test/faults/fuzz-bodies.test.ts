/**
 * Fault criterion 7 (bodies): 10,000 fuzzed requests per endpoint against the real server (its own process, real
 * Redis under a fresh key prefix, a repo with a push source and on-demand views, a workflow starter standing in for
 * Temporal): 0 crashes, 0 5xx, every reply JSON with a reason (`{error: {code, message}}` or the route's success
 * body), no error logged by the server (it logs every 500), and its RSS growing less than 50 MB over the run (after
 * a warm-up round; medians of rounds, see below). A crash is the server process exiting. The POST routes get bodies
 * (some sent chunked); the GET routes get fuzzed paths, methods and query strings. Bodies come from fast-check with a fixed seed (FUZZ_SEED overrides it; FUZZ_BODIES
 * the count per endpoint), in chunks sent concurrently over keep-alive connections; a failing request is then
 * replayed through fc.check from its seed and path, which shrinks it, and printed.
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool, replyProblem, send, type NoReply, type Reply } from './helpers/fuzz-client.js';
import { ENDPOINTS, type FuzzRequest } from './helpers/fuzz-requests.js';
import { startFuzzServer, type FuzzServerProcess, type Memory } from './helpers/fuzz-server-process.js';

const PER_ENDPOINT = Number(process.env.FUZZ_BODIES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const CHUNK = 500;
const CONCURRENCY = 16;
const MAX_RSS_GROWTH_MB = 50;
const MB = 1024 * 1024;
/** Rounds (one chunk of every endpoint) whose median memory is compared at the start and at the end of the run. */
const ROUNDS_COMPARED = 5;

interface Failure {
  chunkSeed: number;
  index: number;
  problem: string;
}

interface Tally {
  sent: number;
  status5xx: number;
  nonJson: number;
  noReason: number;
  noReply: number;
  statuses: Map<number, number>;
  failures: Failure[];
}

let server: FuzzServerProcess;
let agent: http.Agent;

beforeAll(async () => {
  server = await startFuzzServer();
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
});

afterAll(async () => {
  agent?.destroy();
  await server?.stop();
});

const chunkSeed = (endpoint: number, chunk: number): number => SEED + endpoint * 100_000 + chunk;

/** The element-wise median of memory samples (each figure on its own). */
function median(samples: readonly Memory[]): Memory {
  const mid = (pick: (m: Memory) => number): number => {
    const sorted = samples.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  return { rss: mid((m) => m.rss), heapUsed: mid((m) => m.heapUsed), external: mid((m) => m.external) };
}

function judge(request: FuzzRequest, reply: Reply | NoReply): string | undefined {
  return 'failed' in reply ? `no reply: ${reply.failed}` : replyProblem(request, reply);
}

async function runChunk(endpoint: number, chunk: number, tally: Tally): Promise<void> {
  const seed = chunkSeed(endpoint, chunk);
  const requests = fc.sample((ENDPOINTS[endpoint] as (typeof ENDPOINTS)[number]).requests, { seed, numRuns: Math.min(CHUNK, PER_ENDPOINT - chunk * CHUNK) });
  await pool(requests, CONCURRENCY, async (request, index) => {
    const reply = await send(server.url, agent, request);
    tally.sent++;
    if ('failed' in reply) tally.noReply++;
    else tally.statuses.set(reply.status, (tally.statuses.get(reply.status) ?? 0) + 1);
    const problem = judge(request, reply);
    if (problem === undefined) return;
    if (problem.startsWith('status 5')) tally.status5xx++;
    else if (problem.startsWith('not JSON')) tally.nonJson++;
    else if (!problem.startsWith('no reply')) tally.noReason++;
    tally.failures.push({ chunkSeed: seed, index, problem });
  });
}

/** The shrunk form of a failing request: fc.check replays it from its seed and path, then shrinks it. */
async function shrink(endpoint: number, failure: Failure): Promise<string> {
  const arb = (ENDPOINTS[endpoint] as (typeof ENDPOINTS)[number]).requests;
  let lastProblem = failure.problem;
  const result = await fc.check(
    fc.asyncProperty(arb, async (request) => {
      const problem = judge(request, await send(server.url, agent, request));
      if (problem !== undefined) lastProblem = problem;
      return problem === undefined;
    }),
    { seed: failure.chunkSeed, path: String(failure.index), numRuns: 1, interruptAfterTimeLimit: 60_000 },
  );
  if (!result.failed || !result.counterexample) return `(did not fail again on replay) first seen: ${failure.problem}`;
  const [request] = result.counterexample;
  const body = request.body ? JSON.stringify(request.body.toString('utf8').slice(0, 2000)) : '(none)';
  return `${request.method} ${request.target} content-type=${request.contentType ?? '(none)'} body=${body} -> ${lastProblem} (seed ${failure.chunkSeed}, path ${result.counterexamplePath ?? ''})`;
}

describe('fuzzed requests against the real server', () => {
  it('never crash it, never get a 5xx, always get JSON with a reason, and leave its RSS flat', async () => {
    const tallies = ENDPOINTS.map((): Tally => ({ sent: 0, status5xx: 0, nonJson: 0, noReason: 0, noReply: 0, statuses: new Map(), failures: [] }));
    const start = await server.memory();
    // Memory after each round (one chunk of every endpoint): a leak climbs round after round, a warm heap levels off.
    const rounds: Memory[] = [];
    const chunks = Math.ceil(PER_ENDPOINT / CHUNK);
    const started = performance.now();
    for (let chunk = 0; chunk < chunks && !server.exit; chunk++) {
      for (let e = 0; e < ENDPOINTS.length && !server.exit; e++) await runChunk(e, chunk, tallies[e] as Tally);
      if (!server.exit) rounds.push(await server.memory());
    }
    const seconds = (performance.now() - started) / 1000;
    const crashed = server.exit;
    // After one round every code path (DuckDB for offline pushes included) has been loaded and run once. One sample
    // swings by +-20 MB with what the allocator holds at that moment (1 MB bodies come and go), so growth compares
    // the median of the first rounds after warm-up with the median of the last ones.
    const warm = median(rounds.slice(0, ROUNDS_COMPARED));
    const end = median(rounds.slice(-ROUNDS_COMPARED));
    const growthMb = (end.rss - warm.rss) / MB;
    const peakMb = (Math.max(...rounds.map((m) => m.rss)) - warm.rss) / MB;

    ENDPOINTS.forEach(({ name }, e) => {
      const t = tallies[e] as Tally;
      const statuses = [...t.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
      console.log(`FAULT-FIGURE: fuzz ${name}: ${t.sent} requests, ${t.status5xx} 5xx, ${t.nonJson} non-JSON, ${t.noReason} without a reason, ${t.noReply} unanswered (statuses ${statuses})`);
    });
    const mb = (bytes: number): string => (bytes / MB).toFixed(1);
    console.log(
      `FAULT-FIGURE: fuzz server RSS growth ${growthMb.toFixed(1)} MB after warm-up (median of ${ROUNDS_COMPARED} rounds: ${mb(warm.rss)} -> ${mb(end.rss)} MB; ` +
        `peak ${peakMb.toFixed(1)} MB above; ${mb(start.rss)} MB at start); ` +
        `JS heap in use ${mb(warm.heapUsed)} -> ${mb(end.heapUsed)} MB, external ${mb(warm.external)} -> ${mb(end.external)} MB`,
    );
    console.log(`fuzz server RSS per round (MB): ${rounds.map((m) => mb(m.rss)).join(' ')}; heap in use: ${rounds.map((m) => mb(m.heapUsed)).join(' ')}`);
    console.log(`FAULT-FIGURE: fuzz ${tallies.reduce((n, t) => n + t.sent, 0)} requests in ${seconds.toFixed(0)} s, crashes: ${crashed ? `1 (${JSON.stringify(crashed)})` : 0}, server errors logged: ${server.logged.length}, seed ${SEED}`);
    // One line per distinct logged error (message and error text), with how often it was logged.
    const loggedKinds = new Map<string, { count: number; fields: Record<string, unknown> }>();
    for (const { message, fields } of server.logged) {
      const kind = `${message}: ${String(fields.error ?? fields.code ?? '')}`.slice(0, 120);
      const seen = loggedKinds.get(kind);
      if (seen) seen.count++;
      else loggedKinds.set(kind, { count: 1, fields });
    }
    for (const [kind, { count, fields }] of loggedKinds) console.log(`logged by the server ${count}x: ${kind}`, JSON.stringify(fields).slice(0, 1200));

    // Shrinking below replays failing requests, which the server logs again: only the run's own count is judged.
    const loggedInRun = server.logged.length;
    for (const [e, t] of tallies.entries()) {
      const kinds = new Map<string, number>();
      for (const f of t.failures) kinds.set(f.problem.slice(0, 100), (kinds.get(f.problem.slice(0, 100)) ?? 0) + 1);
      for (const [kind, count] of kinds) console.log(`fuzz ${(ENDPOINTS[e] as (typeof ENDPOINTS)[number]).name}: ${count}x ${kind}`);
    }
    if (crashed) server = await startFuzzServer();
    const shrunk: string[] = [];
    for (let e = 0; e < ENDPOINTS.length; e++) {
      const failures = (tallies[e] as Tally).failures;
      // One shrunk example per distinct problem kind (at most 3 per endpoint): the rest usually repeat it.
      const kinds = new Map<string, Failure>();
      for (const f of failures) if (!kinds.has(f.problem.slice(0, 20))) kinds.set(f.problem.slice(0, 20), f);
      for (const f of [...kinds.values()].slice(0, 3)) shrunk.push(`${(ENDPOINTS[e] as (typeof ENDPOINTS)[number]).name}: ${await shrink(e, f)}`);
    }
    for (const line of shrunk) console.log('COUNTEREXAMPLE', line);

    expect(crashed).toBeUndefined();
    expect(loggedInRun).toBe(0);
    expect(shrunk).toEqual([]);
    expect(growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
  });
});
