/**
 * Fault criterion 6: a backfill of 3,650 daily partitions (ten years, one chunk per day, the defaults otherwise)
 * keeps every payload under 256 KB and every run's history under 10,240 events (Temporal warns at 10,240 events
 * and fails a history at 51,200; the backfill continues as new well before). Measured over the histories of all
 * runs of the chain, with a few events a day so the run is about Temporal, not DuckDB.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackfill } from '../../src/client.js';
import { startDevServer } from '../helpers/temporal-env.js';
import { measureChain } from './helpers/wf-history.js';
import { killAllChildren, spawnWorker, stopGracefully, writeWorkflowBundle } from './helpers/wf-processes.js';
import { createWfRepo, VIEW, type WfRepo } from './helpers/wf-repo.js';

const DAYS = 3650;
const START = '2014-01-01T00:00:00Z';
const END = new Date(Date.parse(START) + DAYS * 86_400_000).toISOString();
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_EVENTS_PER_RUN = 10_240;

let env: TestWorkflowEnvironment;
let repo: WfRepo;

beforeAll(async () => {
  [env, repo] = await Promise.all([
    startDevServer(),
    // Three users, one event every 8 hours: three events a day for ten years.
    createWfRepo({ dataStart: START, events: DAYS * 3, everySeconds: 8 * 3600, users: 3, cadence: '1d', windows: ['1d'] }),
  ]);
});

afterAll(async () => {
  killAllChildren();
  await env?.teardown();
  await repo?.cleanup();
});

it('keeps every payload under 256 KB and every run under 10,240 events over a 3,650-partition backfill', async () => {
  const bundlePath = await writeWorkflowBundle(repo.dir);
  const taskQueue = 'wf-history-limits';
  const worker = await spawnWorker({ address: env.address, taskQueue, configPath: repo.config('ten-years'), bundlePath, identity: 'history-limits' });
  const t0 = performance.now();
  const handle = await startBackfill(env.client, { view: VIEW, start: START, end: END, chunk: '1d', parallelism: 8 }, { taskQueue });
  const result = await handle.result();
  const seconds = (performance.now() - t0) / 1000;
  await stopGracefully(worker);
  expect(result).toMatchObject({ chunksTotal: DAYS, chunksDone: DAYS });

  const runs = await measureChain(env.client, handle.workflowId, handle.firstExecutionRunId);
  const maxEvents = Math.max(...runs.map((r) => r.events));
  const biggest = runs.reduce((a, b) => (b.maxPayloadBytes > a.maxPayloadBytes ? b : a));
  const payloads = runs.reduce((n, r) => n + r.payloads, 0);
  const chunkSeconds = runs.reduce((n, r) => n + r.activitySeconds, 0);
  console.log(`runs: ${runs.map((r) => r.events).join(', ')} events`);
  // Where the time goes: inside the chunk activities (DuckDB) versus around them (Temporal round trips).
  console.log(`chunk activities reported ${chunkSeconds.toFixed(1)} s in all, ${((chunkSeconds / DAYS) * 1000).toFixed(1)} ms each on average`);
  console.log(`FAULT-FIGURE: history-limits ${DAYS} daily chunks in ${result.runs} runs, ${seconds.toFixed(1)} s, ${result.rowsWritten} rows`);
  console.log(`FAULT-FIGURE: history-limits max events per run ${maxEvents} (limit ${MAX_EVENTS_PER_RUN})`);
  console.log(
    `FAULT-FIGURE: history-limits max payload ${biggest.maxPayloadBytes} bytes at ${biggest.maxPayloadAt} ` +
      `(${payloads} payloads measured, limit ${MAX_PAYLOAD_BYTES})`,
  );
  expect(runs).toHaveLength(result.runs);
  expect(maxEvents).toBeLessThan(MAX_EVENTS_PER_RUN);
  expect(biggest.maxPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES);
});
