/**
 * Schedules benchmark: WINDOWS hourly windows of incremental materialization (EVENTS events over the last HOURS hours,
 * ENTITIES users, 3 features) run by a Temporal Schedule backfill (dev server, `featureflow worker` as a child
 * process, one materializeIncremental run per window, one after another: BUFFER_ALL) versus the same activity for
 * the same windows in a plain loop in one process. Every run starts from an empty online store (its own key prefix).
 * Runs alternate; medians are printed with the overhead per window and the history events per run.
 *
 *   npm run bench:schedules
 *   RUNS=1 EVENTS=500000 ENTITIES=50000 npm run bench:schedules
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { applySchedules, backfillSchedule, failedWindowRuns, viewSchedule, waitForScheduleRuns, windowRunId } from '../../src/client.js';
import { devServerExecutable } from '../../src/devtools/temporal-binaries.js';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { loadValidatedRepo } from '../../src/registry/load.js';
import type { MaterializeIncrementalResult } from '../../src/workflows/shared.js';
import { peakRssMb } from '../backfill/rss.js';
import { startWorkerProcess, stopWorkerProcess } from '../worker-process.js';
import { generateEvents, HOUR_MS, writeConfig } from './data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const events = Number(process.env.EVENTS ?? 2_000_000);
const entities = Number(process.env.ENTITIES ?? 200_000);
const runs = Number(process.env.RUNS ?? 3);
const windows = Number(process.env.WINDOWS ?? 48);
const hours = windows + 2;

interface Figures {
  seconds: number;
  keysWritten: number;
  peakRssMb: number;
  historyEvents?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function cleanup(keyPrefix: string): Promise<void> {
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function plainLoop(file: string, firstMs: number, run: number): Promise<Figures> {
  const keyPrefix = `ffbench-${randomBytes(4).toString('hex')}`;
  const config = writeConfig(`plain-${run}`, file, keyPrefix);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/schedules/plain-loop.ts', config, String(firstMs), String(windows)], {
      cwd: root,
      maxBuffer: 1 << 24,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Figures;
  } finally {
    await cleanup(keyPrefix);
  }
}

async function throughSchedule(env: TestWorkflowEnvironment, file: string, firstMs: number, run: number): Promise<Figures> {
  const keyPrefix = `ffbench-${randomBytes(4).toString('hex')}`;
  const project = `bench${run}`;
  const config = writeConfig(`schedule-${run}`, file, keyPrefix);
  const taskQueue = `bench-schedules-${process.pid}-${run}`;
  const worker = await startWorkerProcess(config, env.address, taskQueue);
  try {
    const { repo } = await loadValidatedRepo(config);
    await applySchedules(env.client, { ...repo, project }, { taskQueue });
    const handle = await viewSchedule(env.client, project, 'user_latest');
    await handle.pause('benchmark: only the backfill runs');
    const t0 = performance.now();
    const times = await backfillSchedule(handle, new Date(firstMs - HOUR_MS / 2), new Date(firstMs + (windows - 1) * HOUR_MS + HOUR_MS / 2));
    await waitForScheduleRuns(handle, 0, times.length, { pollMs: 50 });
    const seconds = (performance.now() - t0) / 1000;
    const rss = peakRssMb(worker.pid as number);
    const failed = await failedWindowRuns(handle, env.client, times);
    if (failed.length > 0 || times.length !== windows) throw new Error(`${failed.length} runs failed, ${times.length} windows`);
    const actionId = (await handle.describe()).action.workflowId as string;
    let keysWritten = 0;
    let historyEvents = 0;
    for (const t of times) {
      const run = env.client.workflow.getHandle(windowRunId(actionId, t));
      keysWritten += ((await run.result()) as MaterializeIncrementalResult).views.reduce((n, v) => n + v.keysWritten, 0);
      historyEvents += (await run.fetchHistory()).events?.length ?? 0;
    }
    await handle.delete();
    return { seconds, keysWritten, peakRssMb: rss, historyEvents: historyEvents / times.length };
  } finally {
    await stopWorkerProcess(worker);
    await cleanup(keyPrefix);
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const lastMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const firstMs = lastMs - (windows - 1) * HOUR_MS;
  console.log(`data: ${events.toLocaleString('en-US')} events, ${entities.toLocaleString('en-US')} users, ${hours} hours; ${windows} hourly windows`);
  const file = await generateEvents(events, entities, lastMs + HOUR_MS, hours);
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: devServerExecutable(), ip: '127.0.0.1', log: { format: 'pretty', level: 'error' } } });
  const plain: Figures[] = [];
  const scheduled: Figures[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const a = await plainLoop(file, firstMs, run);
      const b = await throughSchedule(env, file, firstMs, run);
      if (a.keysWritten !== b.keysWritten) throw new Error(`keys differ: plain ${a.keysWritten}, schedule ${b.keysWritten}`);
      plain.push(a);
      scheduled.push(b);
      console.log(
        `run ${run + 1}: plain loop ${a.seconds.toFixed(2)} s, Schedule backfill ${b.seconds.toFixed(2)} s ` +
          `(${a.keysWritten.toLocaleString('en-US')} keys each; load ${os.loadavg()[0]?.toFixed(2)})`,
      );
    }
  } finally {
    await env.teardown();
  }
  const p = median(plain.map((f) => f.seconds));
  const s = median(scheduled.map((f) => f.seconds));
  console.log(`\nmedian of ${runs}:`);
  console.log(`  plain loop (${windows} activity calls)      ${p.toFixed(2)} s   peak RSS ${median(plain.map((f) => f.peakRssMb)).toFixed(0)} MB`);
  console.log(`  Schedule backfill (${windows} workflow runs) ${s.toFixed(2)} s   worker peak RSS ${median(scheduled.map((f) => f.peakRssMb)).toFixed(0)} MB`);
  console.log(`  overhead ${(((s - p) / p) * 100).toFixed(1)}%, ${(((s - p) / windows) * 1000).toFixed(0)} ms per window; ${median(scheduled.map((f) => f.historyEvents ?? 0)).toFixed(0)} history events per run`);
}

await main();
