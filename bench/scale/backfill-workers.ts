/**
 * Scale-out benchmark: one 60-chunk backfill of an aggregation view with 1 and with 2 `featureflow worker`
 * processes on one task queue, each worker in a working folder of its own, all sharing an S3 offline store (an
 * rclone S3 server on this machine, the events on it too) and one Temporal dev server. Runs alternate (1, 2, 1, 2,
 * ...) into fresh prefixes; the medians of chunks/s and rows/s are printed with the machine's load. Figures only,
 * no assertions: on one machine both workers share its cores, so this measures the overhead and the contention of
 * a second worker as much as its gain.
 *
 *   npm run bench:scale
 *   RUNS=1 EVENTS=100000 USERS=200 PARALLELISM=4 npm run bench:scale
 *   STORE=local npm run bench:scale     (one shared local folder instead of S3, for comparison)
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startBackfill } from '../../src/client.js';
import { devServerExecutable } from '../../src/devtools/temporal-binaries.js';
import type { BackfillInput } from '../../src/workflows/shared.js';
import { createHost, generateEvents, HOST_CONFIG, localStore, s3Store, type Host, type SharedStore } from '../../test/faults/helpers/scale-hosts.js';
import { VIEW } from '../../test/faults/helpers/wf-repo.js';
import { freshPrefix } from '../../test/helpers/redis.js';
import { startWorkerProcess, stopWorkerProcess } from '../worker-process.js';

const runs = Number(process.env.RUNS ?? 3);
const events = Number(process.env.EVENTS ?? 300_000);
const users = Number(process.env.USERS ?? 500);
const parallelism = Number(process.env.PARALLELISM ?? 4);
const CHUNKS = 60;
const DAY_S = 86_400;
const START = '2024-01-01T00:00:00Z';
const END = new Date(Date.parse(START) + CHUNKS * DAY_S * 1000).toISOString();
// The events spread evenly over the 60 days.
const DATA = { dataStart: START, events, everySeconds: Math.max(1, Math.floor((CHUNKS * DAY_S) / events)), users };
const VIEW_SHAPE = { cadence: '1h', windows: ['1h', '1d'] };
// Two workers on this machine must not each claim 60% of its memory (the worker's default).
const WORKER_ARGS = ['--memory-limit', `${Math.floor(os.totalmem() / 2 ** 20 / 4)}MB`];

interface Figures {
  workers: number;
  seconds: number;
  rows: number;
  /** 1-minute load average when the run ended. */
  load: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function backfillRun(env: TestWorkflowEnvironment, store: SharedStore, eventsFile: string, workers: number, run: number): Promise<Figures> {
  const prefix = `bench-w${workers}-r${run}`;
  const keyPrefix = `${freshPrefix()}bench`;
  const hosts: Host[] = [];
  for (let i = 0; i < workers; i++) hosts.push(createHost(`w${workers}r${run}h${i}`, { store, prefix, keyPrefix, eventsFile, view: VIEW_SHAPE }));
  const taskQueue = `bench-scale-${process.pid}-${workers}-${run}`;
  const procs: ChildProcess[] = [];
  try {
    // Started before the clock: a worker start is not part of a backfill.
    procs.push(...(await Promise.all(hosts.map((h) => startWorkerProcess(HOST_CONFIG, env.address, taskQueue, { cwd: h.dir, env: store.env, args: WORKER_ARGS })))));
    const input: BackfillInput = { view: VIEW, start: START, end: END, chunk: '1d', parallelism };
    const t0 = performance.now();
    const result = await (await startBackfill(env.client, input, { taskQueue })).result();
    const seconds = (performance.now() - t0) / 1000;
    if (result.chunksDone !== CHUNKS) throw new Error(`run ${run} with ${workers} worker(s) finished ${result.chunksDone} of ${CHUNKS} chunks`);
    return { workers, seconds, rows: result.rowsWritten, load: os.loadavg()[0] ?? 0 };
  } finally {
    await Promise.all(procs.map((p) => stopWorkerProcess(p)));
    for (const h of hosts) rmSync(h.dir, { recursive: true, force: true });
  }
}

function report(label: string, figures: Figures[]): void {
  const seconds = median(figures.map((f) => f.seconds));
  const rows = median(figures.map((f) => f.rows));
  console.log(
    `${label}: median ${seconds.toFixed(2)} s, ${(CHUNKS / seconds).toFixed(2)} chunks/s, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s ` +
      `(runs: ${figures.map((f) => `${f.seconds.toFixed(2)} s`).join(', ')}; load at the end of each: ${figures.map((f) => f.load.toFixed(2)).join(', ')})`,
  );
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log(
    `machine: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) at start`,
  );
  console.log(`backfill: ${CHUNKS} daily chunks of ${VIEW} (hourly 1h/1d windows), ${events.toLocaleString('en-US')} events, ${users} users, parallelism ${parallelism}, ${process.env.STORE === 'local' ? 'a shared local folder' : 'S3 store (rclone serve s3)'}`);
  const eventsData = await generateEvents(DATA);
  const [env, store] = await Promise.all([
    TestWorkflowEnvironment.createLocal({ server: { executable: devServerExecutable(), ip: '127.0.0.1', log: { format: 'pretty', level: 'error' } } }),
    process.env.STORE === 'local' ? localStore() : s3Store(eventsData.file),
  ]);
  try {
    const byWorkers = new Map<number, Figures[]>([[1, []], [2, []]]);
    for (let run = 1; run <= runs; run++) {
      for (const workers of [1, 2]) {
        const f = await backfillRun(env, store, eventsData.file, workers, run);
        byWorkers.get(workers)?.push(f);
        console.log(`run ${run}, ${workers} worker(s): ${f.seconds.toFixed(2)} s, ${f.rows.toLocaleString('en-US')} rows, load ${f.load.toFixed(2)}`);
      }
    }
    report('1 worker ', byWorkers.get(1) ?? []);
    report('2 workers', byWorkers.get(2) ?? []);
    console.log(`load at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)`);
  } finally {
    await env.teardown();
    await store.cleanup();
    eventsData.cleanup();
  }
}

await main();
