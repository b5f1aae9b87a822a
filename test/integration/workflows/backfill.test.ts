/**
 * The backfill and computeFeatures workflows on a real dev server with the real engine: chunked output equals one
 * computation of the whole range, the progress query, pause/resume, cancellation, duplicate starts, and errors.
 * Chunks are held by a gate where a test must look at a backfill mid-way, so nothing depends on timing.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackfill, startComputeFeatures, getBackfillProgress, WorkflowAlreadyRunningError } from '../../../src/client.js';
import type { ComputeFeaturesFn } from '../../../src/activities/index.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { materialize } from '../../../src/materialize/index.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore } from '../../../src/online/redis-store.js';
import { viewFeatures } from '../../../src/registry/features.js';
import { pauseSignal, resumeSignal, type BackfillProgress } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { ChunkGate } from './helpers/gate.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { waitFor } from './helpers/wait.js';
import { startTestWorker, workflowBundle, type TestWorker } from './helpers/worker.js';

let env: TestWorkflowEnvironment;
let repo: TestRepo;
/** Same data, its own Redis key prefix: the reference for what materialization must write. */
let otherRepo: TestRepo;
const workers: TestWorker[] = [];

beforeAll(async () => {
  [env, repo, otherRepo] = await Promise.all([startDevServer(), createTestRepo(), createTestRepo(), workflowBundle()]).then(
    ([e, r, o]) => [e, r, o] as const,
  );
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await env?.teardown();
  await repo?.cleanup();
  await otherRepo?.cleanup();
});

/** A worker on its own task queue over config `name` (its own offline folder). */
async function workerFor(name: string, gate?: ChunkGate, compute?: ComputeFeaturesFn): Promise<string> {
  const taskQueue = `wf-${name}-${randomUUID()}`;
  const chosen = gate?.compute ?? compute;
  workers.push(await startTestWorker(env, { taskQueue, configPath: repo.config(name), ...(chosen ? { compute: chosen } : {}) }));
  return taskQueue;
}

/** Counts computations per chunk start, around the real computeFeatures. */
function countingCompute(counts: Map<string, number>): ComputeFeaturesFn {
  return (ctx, view, start, end, options) => {
    counts.set(start.toISOString(), (counts.get(start.toISOString()) ?? 0) + 1);
    return computeFeatures(ctx, view, start, end, options);
  };
}

/** Every feature of `view` for users 1..17 as the online store answers them, from the store of `config` in `r`. */
async function onlineValues(r: TestRepo, config: string, view: string) {
  const ctx = await r.engine(config);
  const store = await connectOnlineStore({ url: ctx.repo.onlineStore.url, keyPrefix: ctx.repo.onlineStore.keyPrefix });
  try {
    const layout = viewLayout(ctx.repo, view);
    const features = viewFeatures(ctx.repo.featureViews.find((v) => v.name === view) ?? ctx.repo.featureViews[0]!);
    return await store.read({
      entities: { user_id: Array.from({ length: 17 }, (_, i) => i + 1) },
      features: features.map((f) => ({ layout, feature: f.name })),
    });
  } finally {
    await store.close();
  }
}

async function watermarkOf(r: TestRepo, view: string) {
  const ctx = await r.engine('mat');
  const store = await connectOnlineStore({ url: ctx.repo.onlineStore.url, keyPrefix: ctx.repo.onlineStore.keyPrefix });
  try {
    return await store.getWatermark(ctx.repo.project, view);
  } finally {
    await store.close();
  }
}

const progressOf = (workflowId: string): Promise<BackfillProgress> => getBackfillProgress(env.client, workflowId);

/** The workflow task events' times, to explain a progress figure computed from workflow time. */
async function workflowTaskTimes(handle: { fetchHistory(): Promise<{ events?: Array<{ eventType?: unknown; eventTime?: { seconds?: unknown; nanos?: number | null } | null }> | null }> }): Promise<string> {
  const history = await handle.fetchHistory();
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(String(t?.seconds ?? 0)) * 1000 + (t?.nanos ?? 0) / 1e6;
  return (history.events ?? []).map((e) => `${String(e.eventType)}@${ms(e.eventTime)}`).join(', ');
}

describe('backfill', () => {
  it('writes, chunk by chunk, the same offline rows as one computation of the whole range', async () => {
    const range = { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-07T00:00:00Z' };
    const chunked = await workerFor('chunked');
    const whole = await workerFor('whole');
    const backfill = await startBackfill(env.client, { ...range, chunk: '1d', parallelism: 3 }, { taskQueue: chunked });
    const compute = await startComputeFeatures(env.client, range, { taskQueue: whole });
    const [result, reference] = await Promise.all([backfill.result(), compute.result()]);

    expect(result).toMatchObject({ view: 'user_txn', chunksTotal: 6, chunksDone: 6, keysWritten: 0, runs: 1 });
    expect(reference.rowsWritten).toBeGreaterThan(0);
    expect(result.rowsWritten).toBe(reference.rowsWritten);
    const [rowsChunked, rowsWhole] = await Promise.all([repo.offlineRows('chunked', 'user_txn'), repo.offlineRows('whole', 'user_txn')]);
    expect(rowsChunked.length).toBe(reference.rowsWritten);
    expect(rowsChunked).toEqual(rowsWhole);
    await recordHistory(env.client, 'backfill-six-chunks', backfill.workflowId);
    await recordHistory(env.client, 'compute-features', compute.workflowId);
  });

  it('continues as new past maxHistoryEvents, carrying its counts and computing every chunk exactly once', async () => {
    const counts = new Map<string, number>();
    const taskQueue = await workerFor('can', undefined, countingCompute(counts));
    const range = { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-04T00:00:00Z' };
    const handle = await startBackfill(env.client, { ...range, chunk: '6h', parallelism: 2, maxHistoryEvents: 25 }, { taskQueue });
    const result = await handle.result();

    expect(result).toMatchObject({ chunksTotal: 12, chunksDone: 12 });
    // How many chunks fit in a run depends on how activity completions batch into workflow tasks (timing), but each
    // chunk costs at least three events, so 12 chunks can never fit in one run of 25 events.
    expect(result.runs).toBeGreaterThanOrEqual(2);
    expect(counts.size).toBe(12);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const reference = await computeFeatures(await repo.engine('can-ref'), 'user_txn', new Date(range.start), new Date(range.end));
    expect(result.rowsWritten).toBe(reference.rowsWritten);
    expect(await repo.offlineRows('can', 'user_txn')).toEqual(await repo.offlineRows('can-ref', 'user_txn'));
    // The chain's first run ended by continuing as new, with the counts so far in its memo.
    const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(first.historyLength).toBeLessThan(60);
    await recordHistory(env.client, 'backfill-continue-as-new-first-run', handle.workflowId, handle.firstExecutionRunId);
    await recordHistory(env.client, 'backfill-continue-as-new-last-run', handle.workflowId);
  });

  it('with materialize, writes each chunk to the online store exactly as one materialization of the range', async () => {
    const taskQueue = await workerFor('mat');
    const range = { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-04T00:00:00Z' };
    const handle = await startBackfill(env.client, { ...range, chunk: '1d', parallelism: 3, materialize: true }, { taskQueue });
    const result = await handle.result();
    expect(result.keysWritten).toBeGreaterThan(0);
    await recordHistory(env.client, 'backfill-materialize-records-watermark', handle.workflowId);

    const ref = await otherRepo.engine('mat');
    await computeFeatures(ref, 'user_txn', new Date(range.start), new Date(range.end));
    const store = await connectOnlineStore({ url: ref.repo.onlineStore.url, keyPrefix: ref.repo.onlineStore.keyPrefix });
    try {
      await materialize({ ctx: ref, store }, ['user_txn'], new Date(range.start), new Date(range.end));
    } finally {
      await store.close();
    }
    const [ours, theirs] = await Promise.all([onlineValues(repo, 'mat', 'user_txn'), onlineValues(otherRepo, 'mat', 'user_txn')]);
    expect(ours.flatMap((c) => c.statuses).every((s) => s === 'PRESENT')).toBe(true);
    expect(ours).toEqual(theirs);
    // Once every chunk is done the whole range counts as materialized, like the one range run: same watermark.
    const [mine, reference] = await Promise.all([watermarkOf(repo, 'user_txn'), watermarkOf(otherRepo, 'user_txn')]);
    expect(mine).toMatchObject({ end: '2024-01-04T00:00:00.000Z', newestEvent: reference?.newestEvent });
    expect(reference?.end).toBe('2024-01-04T00:00:00.000Z');
  });

  it('answers the progress query with counts, running chunks and an ETA, and keeps the memo and UI details', async () => {
    const gate = new ChunkGate(computeFeatures);
    const taskQueue = await workerFor('progress', gate);
    const handle = await startBackfill(
      env.client,
      { view: 'user_txn', start: '2024-01-01', end: '2024-01-05', chunk: '1d', parallelism: 2, memoEveryChunks: 2 },
      { taskQueue },
    );
    await waitFor('two chunks in flight', () => gate.held().length === 2);
    const first = await progressOf(handle.workflowId);
    expect(first).toMatchObject({
      view: 'user_txn',
      chunksDone: 0,
      chunksTotal: 4,
      rowsWritten: 0,
      keysWritten: 0,
      paused: false,
      state: 'running',
      etaSeconds: null,
      runs: 0,
      running: [
        { start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T00:00:00.000Z' },
        { start: '2024-01-02T00:00:00.000Z', end: '2024-01-03T00:00:00.000Z' },
      ],
    });
    expect(Number.isNaN(Date.parse(first.startedAt))).toBe(false);

    gate.calls[0]?.release();
    const second = await waitFor('the first chunk done', async () => {
      const p = await progressOf(handle.workflowId);
      return p.chunksDone === 1 && p.running.length === 2 ? p : undefined;
    });
    expect(second.running.map((r) => r.start)).toEqual(['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z']);
    expect(second.rowsWritten).toBeGreaterThan(0);
    // A null ETA here once (1 run in many) means workflow time did not move past the start; say what history held.
    const eventTimes = second.etaSeconds === null ? await workflowTaskTimes(handle) : '';
    expect(second.etaSeconds, `etaSeconds after the first chunk; workflow task times: ${eventTimes}`).toEqual(expect.any(Number));

    gate.openAll();
    const result = await handle.result();
    const last = await progressOf(handle.workflowId);
    expect(last).toMatchObject({ chunksDone: 4, chunksTotal: 4, running: [], etaSeconds: 0, state: 'completed' });
    expect(last.rowsWritten).toBe(result.rowsWritten);

    const description = await handle.describe();
    expect(description.memo).toEqual({
      progress: { chunksDone: 4, chunksTotal: 4, rowsWritten: result.rowsWritten, keysWritten: 0, paused: false, runs: 0 },
    });
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('- chunks: 4 / 4 (100%)');
    await recordHistory(env.client, 'backfill-progress', handle.workflowId);
  });

  it('starts no new chunk while paused, lets chunks in flight finish, and goes on after resume', async () => {
    const gate = new ChunkGate(computeFeatures);
    const taskQueue = await workerFor('pause', gate);
    const handle = await startBackfill(
      env.client,
      { view: 'user_txn', start: '2024-01-01', end: '2024-01-06', chunk: '1d', parallelism: 2 },
      { taskQueue },
    );
    await waitFor('two chunks in flight', () => gate.held().length === 2);
    await handle.signal(pauseSignal);
    await waitFor('the pause', async () => (await progressOf(handle.workflowId)).paused);
    for (const call of gate.held()) call.release();
    const paused = await waitFor('chunks in flight to finish', async () => {
      const p = await progressOf(handle.workflowId);
      return p.chunksDone === 2 ? p : undefined;
    });
    expect(paused).toMatchObject({ paused: true, state: 'paused', running: [], chunksDone: 2 });
    // A chunk's completion wakes the workflow; it must not have started the next one.
    expect(gate.calls).toHaveLength(2);

    gate.openAll();
    await handle.signal(resumeSignal);
    const result = await handle.result();
    expect(result).toMatchObject({ chunksDone: 5, chunksTotal: 5 });
    expect(gate.calls.map((c) => c.start)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
      '2024-01-03T00:00:00.000Z',
      '2024-01-04T00:00:00.000Z',
      '2024-01-05T00:00:00.000Z',
    ]);
    await recordHistory(env.client, 'backfill-pause-resume', handle.workflowId);
  });

  it('on cancel, cancels chunks in flight, keeps finished ones whole, and ends as cancelled', async () => {
    const gate = new ChunkGate(computeFeatures);
    const taskQueue = await workerFor('cancel', gate);
    const handle = await startBackfill(
      env.client,
      { view: 'user_txn', start: '2024-01-01', end: '2024-01-06', chunk: '1d', parallelism: 2, heartbeatTimeout: '2s' },
      { taskQueue },
    );
    await waitFor('two chunks in flight', () => gate.held().length === 2);
    gate.calls[0]?.release();
    await waitFor('the first chunk done', async () => (await progressOf(handle.workflowId)).chunksDone === 1);
    await waitFor('two chunks in flight again', () => gate.held().length === 2);
    await handle.cancel();

    const error = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    // The activities heard of the cancellation through their heartbeats and stopped before computing.
    expect(gate.calls.map((c) => [c.start.slice(0, 10), c.released, c.cancelled])).toEqual([
      ['2024-01-01', true, false],
      ['2024-01-02', false, true],
      ['2024-01-03', false, true],
    ]);
    const history = await handle.fetchHistory();
    const canceled = (history.events ?? []).filter((e) => e.activityTaskCanceledEventAttributes).length;
    expect(canceled).toBe(2);
    // Only the finished chunk's rows exist: nothing of a cancelled chunk is visible.
    const days = new Set((await repo.offlineRows('cancel', 'user_txn')).map((r) => String(r.ts).slice(0, 10)));
    expect([...days]).toEqual(['2024-01-01']);
    await recordHistory(env.client, 'backfill-cancel', handle.workflowId);
  });

  it('refuses to start the same backfill while it runs, with a message naming the running workflow', async () => {
    const gate = new ChunkGate(computeFeatures);
    const taskQueue = await workerFor('duplicate', gate);
    const input = { view: 'user_txn', start: '2024-01-02', end: '2024-01-04' };
    const handle = await startBackfill(env.client, input, { taskQueue });
    await waitFor('a chunk in flight', () => gate.held().length > 0);

    const duplicate = startBackfill(env.client, { ...input, start: '2024-01-02T00:00:00Z', parallelism: 1 }, { taskQueue });
    await expect(duplicate).rejects.toBeInstanceOf(WorkflowAlreadyRunningError);
    await expect(duplicate).rejects.toThrow(
      `a backfill of "user_txn" over [2024-01-02T00:00:00Z, 2024-01-04) is already running as workflow ` +
        `backfill:user_txn:2024-01-02T00:00:00.000Z:2024-01-04T00:00:00.000Z; wait for it, or cancel it first`,
    );

    gate.openAll();
    await handle.result();
    // Finished, the same backfill may run again (an idempotent redo).
    const again = await startBackfill(env.client, input, { taskQueue });
    expect(again.workflowId).toBe(handle.workflowId);
    await expect(again.result()).resolves.toMatchObject({ chunksDone: 2 });
  });

  it('fails at once, naming the chunk and the code, for a plain view with nothing to compute', async () => {
    const taskQueue = await workerFor('plain');
    const handle = await startBackfill(env.client, { view: 'user_events', start: '2024-01-01', end: '2024-01-03' }, { taskQueue });
    const error = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = error.cause as ApplicationFailure;
    expect(failure.type).toBe('NOTHING_TO_COMPUTE');
    expect(failure.message).toMatch(/^backfill of "user_events" stopped: chunk \[2024-01-0[12]T00:00:00.000Z, .*\) failed: /);
    expect(failure.message).toContain('there is nothing to compute; materialize it instead');
    // Not retried: each chunk ran once.
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
    expect(attempts.every((a) => a === 1)).toBe(true);
  });

  it('rejects a malformed input from the UI form with every problem listed, without retrying', async () => {
    const taskQueue = await workerFor('invalid');
    const handle = await env.client.workflow.start('backfill', {
      taskQueue,
      workflowId: `invalid-${randomUUID()}`,
      args: [{ view: 'user_txn', start: 'last tuesday', end: '2024-01-03', chunk: '0h' }],
    });
    const error = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
    expect(error.cause).toBeInstanceOf(ApplicationFailure);
    expect((error.cause as ApplicationFailure).type).toBe('INVALID_BACKFILL_INPUT');
    expect(error.cause?.message).toBe(
      'backfill input is invalid (2 problems):\n' +
        '  start: "last tuesday" is not an ISO-8601 date or date-time\n' +
        '  chunk: the chunk must be longer than 0 (got 0 seconds)',
    );
  });
});
