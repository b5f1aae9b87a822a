/**
 * Fault criterion 1: a worker process is SIGKILLed at a seeded random point in each of 10 runs of a 30-chunk
 * backfill, and a new worker process finishes the run. Every run's offline output must be identical (sha256 over
 * the sorted rows) to an uninterrupted backfill's, with 0 duplicate rows. The kill point is "K chunks done, then a
 * random few milliseconds more", drawn from test/helpers/prng.ts, so a failing run can be replayed by its seed.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getBackfillProgress, startBackfill } from '../../src/client.js';
import type { BackfillInput } from '../../src/workflows/shared.js';
import { rng } from '../helpers/prng.js';
import { startDevServer } from '../helpers/temporal-env.js';
import { createWfRepo, VIEW, type OfflineDigest, type WfRepo } from './helpers/wf-repo.js';
import { killAllChildren, killHard, spawnWorker, stopGracefully, waitUntil, writeWorkflowBundle } from './helpers/wf-processes.js';

const SEED = Number(process.env.FAULT_SEED ?? 20_261_202);
const RUNS = 10;
const CHUNKS = 30;
// Each chunk waits half of this before computing and half after writing (see wf-worker.ts), so chunks are in flight
// most of the time and a kill hits one before, during or after its write.
const CHUNK_DELAY_MS = 200;
// 30 chunks of 6 h over a week of events (17 users, one event every 97 s): a few hundred events per chunk.
const INPUT: BackfillInput = {
  view: VIEW,
  start: '2024-01-01T00:00:00Z',
  end: '2024-01-08T12:00:00Z',
  chunk: '6h',
  parallelism: 3,
  // A killed worker's chunks are retried once this passes without a heartbeat (the default 30 s is for production).
  heartbeatTimeout: '2s',
};

let env: TestWorkflowEnvironment;
let repo: WfRepo;
let bundlePath: string;

beforeAll(async () => {
  [env, repo] = await Promise.all([
    startDevServer(),
    createWfRepo({ dataStart: '2024-01-01T00:00:00Z', events: 7000, everySeconds: 97, users: 17, cadence: '6h', windows: ['6h', '1d'] }),
  ]);
  bundlePath = await writeWorkflowBundle(repo.dir);
});

afterAll(async () => {
  killAllChildren();
  await env?.teardown();
  await repo?.cleanup();
});

interface RunOutcome {
  run: number;
  killAfterChunks: number;
  extraDelayMs: number;
  inFlightAtKill: number;
  retriedChunks: number;
  digest: OfflineDigest;
}

/** One backfill on its own task queue and offline folder; `kill` says when to SIGKILL its first worker, if at all. */
async function backfillRun(name: string, kill?: { afterChunks: number; extraDelayMs: number }): Promise<Omit<RunOutcome, 'run' | 'killAfterChunks' | 'extraDelayMs'>> {
  const spec = { address: env.address, taskQueue: `wf-kill-${name}`, configPath: repo.config(name), bundlePath, chunkDelayMs: CHUNK_DELAY_MS };
  let worker = await spawnWorker({ ...spec, identity: `${name}-first` });
  const handle = await startBackfill(env.client, INPUT, { taskQueue: spec.taskQueue });
  let inFlightAtKill = 0;
  if (kill) {
    const seen = await waitUntil(`${kill.afterChunks} chunks done`, async () => {
      const p = await getBackfillProgress(env.client, handle.workflowId);
      return p.chunksDone >= kill.afterChunks && p;
    });
    await new Promise((resolve) => setTimeout(resolve, kill.extraDelayMs));
    inFlightAtKill = seen.running.length;
    await killHard(worker);
    // The kill must interrupt the run, not land after it finished.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    worker = await spawnWorker({ ...spec, identity: `${name}-second` });
  }
  const result = await handle.result();
  await stopGracefully(worker);
  expect(result).toMatchObject({ chunksTotal: CHUNKS, chunksDone: CHUNKS });
  // An activity's started event records its last attempt: attempt > 1 means the chunk ran again after the kill.
  const events = (await handle.fetchHistory()).events ?? [];
  const retriedChunks = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
  return { inFlightAtKill, retriedChunks, digest: await repo.digest(name) };
}

it('finishes every run after a worker SIGKILL with output identical to an uninterrupted backfill and no duplicate rows', async () => {
  const reference = await backfillRun('reference');
  expect(reference.digest.rows).toBeGreaterThan(0);
  expect(reference.digest.duplicates).toBe(0);

  const random = rng(SEED);
  const outcomes: RunOutcome[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // K in 1..20 leaves 10 chunks (four rounds at parallelism 3) to run when the kill lands, so it interrupts the
    // run even when the progress query answers late on a busy machine.
    const killAfterChunks = 1 + Math.floor(random() * 20);
    const extraDelayMs = Math.floor(random() * 250);
    const outcome = await backfillRun(`run-${run}`, { afterChunks: killAfterChunks, extraDelayMs });
    outcomes.push({ run, killAfterChunks, extraDelayMs, ...outcome });
    console.log(
      `run ${run}: killed after ${killAfterChunks} chunks + ${extraDelayMs} ms (${outcome.inFlightAtKill} in flight), ` +
        `${outcome.retriedChunks} chunk(s) retried, rows ${outcome.digest.rows}, duplicates ${outcome.digest.duplicates}, ` +
        `sha256 ${outcome.digest.sha256.slice(0, 16)}, temp files left ${outcome.digest.tempFiles}`,
    );
  }

  const identical = outcomes.filter((o) => o.digest.sha256 === reference.digest.sha256).length;
  const duplicates = outcomes.reduce((n, o) => n + o.digest.duplicates, 0);
  const withChunkInFlight = outcomes.filter((o) => o.inFlightAtKill > 0).length;
  const retried = outcomes.reduce((n, o) => n + o.retriedChunks, 0);
  console.log(`FAULT-FIGURE: worker-kill seed ${SEED}: runs identical to the uninterrupted backfill ${identical}/${RUNS}`);
  console.log(`FAULT-FIGURE: worker-kill duplicate rows over ${RUNS} runs: ${duplicates} (reference ${reference.digest.rows} rows)`);
  console.log(`FAULT-FIGURE: worker-kill kills with a chunk in flight ${withChunkInFlight}/${RUNS}; chunks retried after kills ${retried}`);
  expect(identical).toBe(RUNS);
  expect(duplicates).toBe(0);
  for (const o of outcomes) expect(o.digest.rows, `run ${o.run}`).toBe(reference.digest.rows);
});
