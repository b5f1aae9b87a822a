/**
 * Issue 11: two worker processes, each in a working folder of its own with its own copy of the repo config, on one
 * task queue of one Temporal server, sharing the S3 offline store (rclone's S3 server), the events (on S3 too) and
 * the Redis prefix, share a 60-chunk backfill of a computed view. One of them is SIGKILLed midway while it holds a
 * chunk; the other finishes the backfill (the dead worker's chunks time out on their heartbeat and run again). The
 * result must equal a single-worker run of the same backfill into another prefix: the same offline rows (sha256
 * over the sorted rows, no duplicate (user, timestamp)) and a byte-identical training set built from each.
 * FF_SCALE_STORE=local shares one local folder instead of S3, to tell a store problem from a worker problem.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getBackfillProgress, startBackfill } from '../../src/client.js';
import type { BackfillInput } from '../../src/workflows/shared.js';
import { runCli } from '../helpers/cli.js';
import { rng } from '../helpers/prng.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../helpers/redis.js';
import { startDevServer } from '../helpers/temporal-env.js';
import { createHost, generateEvents, HOST_CONFIG, localStore, s3Store, type Host, type SharedStore } from './helpers/scale-hosts.js';
import { completedByIdentity, measureChain } from './helpers/wf-history.js';
import { offlineDigest, VIEW } from './helpers/wf-repo.js';
import { killAllChildren, killHard, spawnWorker, stopGracefully, waitUntil, writeWorkflowBundle } from './helpers/wf-processes.js';

const CHUNKS = 60;
const DATA = { dataStart: '2024-01-01T00:00:00Z', events: 4000, everySeconds: 360, users: 17 };
// Hourly aggregates over 1 h and 1 d windows: 6 ticks x 17 users, about a hundred rows per 6 h chunk.
const VIEW_SHAPE = { cadence: '1h', windows: ['1h', '1d'] };
const INPUT: BackfillInput = {
  view: VIEW,
  start: '2024-01-01T00:00:00Z',
  end: '2024-01-16T00:00:00Z',
  chunk: '6h',
  // Two chunks per worker at most (maxActivities below): four in flight keep both workers busy.
  parallelism: 4,
  materialize: true,
  // A killed worker's chunks are retried once this passes without a heartbeat (the default 30 s is for production).
  heartbeatTimeout: '2s',
};
// Each chunk waits half of this before computing and half after writing (wf-worker.ts), so a chunk is in flight
// long enough for the kill to find one on the victim.
const CHUNK_DELAY_MS = 300;
// The kill lands a seeded random few milliseconds after B is seen holding a chunk, so across seeds it hits that
// chunk before, while and after it writes (FAULT_SEED replays a run).
const SEED = Number(process.env.FAULT_SEED ?? 20_261_202);
const PER_WORKER = 2;

let env: TestWorkflowEnvironment;
let store: SharedStore;
let events: { file: string; cleanup(): void };
let keyPrefix: string;
let scratch: string;
let bundlePath: string;
const hosts: Host[] = [];
const savedEnv = new Map<string, string | undefined>();

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ff-two-workers-'));
  keyPrefix = `${freshPrefix()}ff`;
  [env, events, bundlePath] = await Promise.all([startDevServer(), generateEvents(DATA), writeWorkflowBundle(scratch)]);
  store = process.env.FF_SCALE_STORE === 'local' ? localStore() : await s3Store(events.file);
  // This process reads the store too (digests, training sets), with the same credentials as the workers.
  for (const [name, value] of Object.entries(store.env)) {
    savedEnv.set(name, process.env[name]);
    process.env[name] = value;
  }
});

afterAll(async () => {
  killAllChildren();
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await env?.teardown();
  await store?.cleanup();
  events?.cleanup();
  for (const host of hosts) rmSync(host.dir, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (keyPrefix) {
    const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await cleanupPrefix(redis, keyPrefix);
    redis.disconnect();
  }
});

function host(name: string, prefix: string): Host {
  const h = createHost(name, { store, prefix, keyPrefix, eventsFile: events.file, view: VIEW_SHAPE });
  hosts.push(h);
  return h;
}

function startWorker(h: Host, taskQueue: string): Promise<ChildProcess> {
  return spawnWorker({
    address: env.address,
    taskQueue,
    // Relative, read from the worker's own folder: each worker knows only its own copy of the config.
    configPath: HOST_CONFIG,
    cwd: h.dir,
    env: store.env,
    bundlePath,
    identity: h.name,
    chunkDelayMs: CHUNK_DELAY_MS,
    maxActivities: PER_WORKER,
  });
}

/** Entity rows for a training set: every user every 3 h 7 min over the backfilled range, as CSV. */
function entityRowsCsv(): string {
  const file = path.join(scratch, 'entities.csv');
  const lines = ['user_id,event_timestamp'];
  const start = Date.parse(INPUT.start);
  for (let t = start + 7 * 60_000; t < Date.parse(INPUT.end); t += 187 * 60_000) {
    for (let user = 1; user <= DATA.users; user++) lines.push(`${user},${new Date(t).toISOString()}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A training set from `h`'s config, as CSV with its data lines sorted (the header stays first). */
async function sortedTrainingSet(h: Host, entities: string): Promise<string> {
  const out = path.join(scratch, `training-${h.name}.csv`);
  const run = await runCli('historical', '--config', h.configPath, '--entities', entities, '--features', `${VIEW}:*`, '--out', out, '--threads', '1');
  expect(run.code, run.err).toBe(0);
  const [header, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
  return `${[header, ...rows.sort()].join('\n')}\n`;
}

it('two workers in their own folders share a 60-chunk backfill on S3, one is killed midway, and the result equals a single worker run', async () => {
  const hostA = host('host-a', 'offline-two');
  const hostB = host('host-b', 'offline-two');
  const hostOne = host('host-one', 'offline-one');

  // Two workers, one task queue: the server hands each chunk to whichever polls first.
  const [workerA, workerB] = await Promise.all([startWorker(hostA, 'scale-two'), startWorker(hostB, 'scale-two')]);
  const handle = await startBackfill(env.client, INPUT, { taskQueue: 'scale-two' });
  // Kill B once 10 chunks are done, each worker has finished some, and B is running one (so that one must move).
  const atKill = await waitUntil('10 chunks done, both workers busy', async () => {
    const p = await getBackfillProgress(env.client, handle.workflowId);
    if (p.chunksDone < 10) return false;
    const done = await completedByIdentity(env.client, handle.workflowId, handle.firstExecutionRunId, 'computeChunk');
    if (!((done.get(hostA.name) ?? 0) > 0 && (done.get(hostB.name) ?? 0) > 0)) return false;
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    return pending.some((a) => a.lastWorkerIdentity === hostB.name) && p;
  });
  const extraDelayMs = Math.floor(rng(SEED)() * 300);
  await new Promise((resolve) => setTimeout(resolve, extraDelayMs));
  await killHard(workerB);
  const afterKill = await getBackfillProgress(env.client, handle.workflowId);
  // Midway: the kill must leave work for the survivor, including the chunks B held.
  expect(afterKill.chunksDone).toBeLessThan(50);
  expect((await handle.describe()).status.name).toBe('RUNNING');

  const result = await handle.result();
  expect(result).toMatchObject({ chunksTotal: CHUNKS, chunksDone: CHUNKS });
  // Both workers wrote the shared Redis prefix too (materialize: true).
  expect(result.keysWritten).toBeGreaterThan(0);
  const done = await completedByIdentity(env.client, handle.workflowId, handle.firstExecutionRunId, 'computeChunk');
  const retried = (await measureChain(env.client, handle.workflowId, handle.firstExecutionRunId)).reduce((n, r) => n + r.retriedActivities, 0);
  await stopGracefully(workerA);
  console.log(
    `SCALE-FIGURE: two workers (${store.kind} store, seed ${SEED}): killed ${hostB.name} ${extraDelayMs} ms after ${atKill.chunksDone} chunks done; ` +
      `chunks finished by ${hostA.name} ${done.get(hostA.name) ?? 0}, by ${hostB.name} ${done.get(hostB.name) ?? 0}; chunks run again ${retried}`,
  );
  expect(done.get(hostA.name) ?? 0).toBeGreaterThan(0);
  expect(done.get(hostB.name) ?? 0).toBeGreaterThan(0);
  expect([...done.values()].reduce((a, b) => a + b, 0)).toBe(CHUNKS);
  // B held a chunk when it died: that chunk ran again (on A, the only worker left).
  expect(retried).toBeGreaterThan(0);

  // The same backfill with one worker into another prefix (the workflow id is free again: the first one finished).
  const single = await startWorker(hostOne, 'scale-one');
  const one = await startBackfill(env.client, INPUT, { taskQueue: 'scale-one' });
  expect(await one.result()).toMatchObject({ chunksTotal: CHUNKS, chunksDone: CHUNKS });
  await stopGracefully(single);

  const [two, reference] = [await offlineDigest(hostA.configPath), await offlineDigest(hostOne.configPath)];
  console.log(
    `SCALE-FIGURE: offline rows two workers ${two.rows} (duplicates ${two.duplicates}, unread objects ${two.unreadObjects ?? '-'}), ` +
      `one worker ${reference.rows} (duplicates ${reference.duplicates}, unread objects ${reference.unreadObjects ?? '-'})`,
  );
  expect(reference.rows).toBeGreaterThan(0);
  expect(two.duplicates).toBe(0);
  expect(reference.duplicates).toBe(0);
  expect(two.rows).toBe(reference.rows);
  expect(two.sha256).toBe(reference.sha256);

  const entities = entityRowsCsv();
  const [setTwo, setOne] = [await sortedTrainingSet(hostA, entities), await sortedTrainingSet(hostOne, entities)];
  expect(setOne.split('\n').length).toBeGreaterThan(DATA.users);
  expect(Buffer.from(setTwo).equals(Buffer.from(setOne))).toBe(true);
});
