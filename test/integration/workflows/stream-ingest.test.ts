/**
 * The streamIngest workflow alone, its activity faked: it runs the activity again each time one returns, continues
 * as new every runsPerWorkflow runs carrying its totals, stops cleanly when cancelled (waiting for the run in flight
 * to stop), retries failing runs and fails with the activity's code when one cannot be retried, and refuses a bad
 * input at once.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStreamIngestStatus, startStreamIngest, stopStreamIngest } from '../../../src/client.js';
import { streamStatusQuery, type IngestStreamInput, type IngestStreamResult } from '../../../src/workflows/shared.js';
import type { streamIngest } from '../../../src/workflows/stream-ingest.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { STREAM_PROJECT, STREAM_VIEW } from './helpers/stream-repo.js';
import { waitFor } from './helpers/wait.js';
import { maxCachedWorkflows, workflowBundle } from './helpers/worker.js';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  [env] = await Promise.all([startDevServer(), workflowBundle()]);
});

afterAll(async () => {
  await env?.teardown();
});

async function fakeWorker(queue: string, ingestStream: (input: IngestStreamInput) => Promise<IngestStreamResult>): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: queue,
    workflowBundle: await workflowBundle(),
    maxCachedWorkflows: maxCachedWorkflows(),
    activities: { ingestStream },
  });
}

/** Run n folds 10 events; the view's stored late and invalid counts grow by 1 and 2 per run. */
function runResult(n: number): IngestStreamResult {
  const at = new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString();
  return { view: STREAM_VIEW, positions: { '0': String(n * 10) }, events: 10, late: n, invalid: 2 * n, startedAt: at, endedAt: at, stoppedBy: 'runFor', seconds: 60 };
}

/**
 * Heartbeats (cancellation arrives in a heartbeat's response) until cancelled, then, once `stopping` lets it (a run
 * finishing its batch), throws the cancellation as the real activity does.
 */
async function untilCancelled(onCancel: () => void = () => undefined, stopping: Promise<void> = Promise.resolve()): Promise<never> {
  const ctx = Context.current();
  const beats = setInterval(() => ctx.heartbeat(), 100);
  try {
    if (!ctx.cancellationSignal.aborted) await new Promise((resolve) => ctx.cancellationSignal.addEventListener('abort', resolve, { once: true }));
    onCancel();
    await stopping;
  } finally {
    clearInterval(beats);
  }
  throw ctx.cancellationSignal.reason instanceof CancelledFailure ? ctx.cancellationSignal.reason : new CancelledFailure('cancelled');
}

describe('streamIngest with a fake activity', () => {
  it('runs the activity again after each run, continues as new every runsPerWorkflow runs with its totals, and stops when cancelled', async () => {
    const queue = `stream-loop-${randomUUID()}`;
    const inputs: IngestStreamInput[] = [];
    let cancelledRuns = 0;
    let cancelSeen = false;
    let finishBatch!: () => void;
    const batchFinished = new Promise<void>((resolve) => (finishBatch = resolve));
    const worker = await fakeWorker(queue, async (input) => {
      inputs.push(input);
      if (inputs.length <= 7) return runResult(inputs.length);
      try {
        return await untilCancelled(() => (cancelSeen = true), batchFinished);
      } finally {
        cancelledRuns++;
      }
    });
    await worker.runUntil(async () => {
      const started = await startStreamIngest(env.client, STREAM_PROJECT, { view: STREAM_VIEW, runsPerWorkflow: 3, runFor: '2h', heartbeatTimeout: '2s' }, { taskQueue: queue });
      expect(started).toMatchObject({ workflowId: `stream-ingest-${STREAM_PROJECT}-${STREAM_VIEW}`, alreadyRunning: false });
      await waitFor('the eighth run in flight', () => inputs.length === 8);
      expect(inputs.every((i) => i.view === STREAM_VIEW && i.runForMs === 7_200_000)).toBe(true);

      const handle = env.client.workflow.getHandle<typeof streamIngest>(started.workflowId);
      // Runs 1-3 in the first workflow run, 4-6 in the second, 7 and the one in flight in the third.
      expect(await handle.query(streamStatusQuery)).toMatchObject({
        state: 'ingesting',
        runs: 7,
        events: 70,
        late: 7,
        invalid: 14,
        runsThisWorkflow: 1,
        runsPerWorkflow: 3,
        continuedAsNew: 2,
        lastRun: { positions: { '0': '70' }, events: 10 },
      });
      const report = await getStreamIngestStatus(env.client, started.workflowId);
      expect(report).toMatchObject({ status: 'RUNNING', totals: { runs: 7, events: 70, continuedAsNew: 2 } });
      expect(report.activity).not.toBe('none');
      expect((await startStreamIngest(env.client, STREAM_PROJECT, { view: STREAM_VIEW }, { taskQueue: queue })).alreadyRunning).toBe(true);

      const stopping = stopStreamIngest(env.client, started.workflowId);
      await waitFor('the run in flight to see the stop', () => cancelSeen);
      expect((await handle.query(streamStatusQuery)).state).toBe('cancelling');
      finishBatch();
      expect(await stopping).toBe('stopped');
      expect(cancelledRuns).toBe(1);
      expect(inputs).toHaveLength(8);
      expect((await getStreamIngestStatus(env.client, started.workflowId)).status).toBe('CANCELLED');
      expect(await stopStreamIngest(env.client, started.workflowId)).toBe('not-running');
      await recordHistory(env.client, 'stream-ingest-continue-as-new', started.workflowId, started.runId);
      await recordHistory(env.client, 'stream-ingest-cancel', started.workflowId);
    });
  });

  it('ends cancelled, starting no other run, when stopped while its run no longer heartbeats (its worker is gone)', async () => {
    const queue = `stream-silent-${randomUUID()}`;
    let calls = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Never heartbeats, like a run whose worker died: the cancellation cannot reach it, its attempt times out.
    const worker = await fakeWorker(queue, async () => {
      calls++;
      await released;
      return runResult(calls);
    });
    const outcome = await worker.runUntil(async () => {
      try {
        const started = await startStreamIngest(env.client, STREAM_PROJECT, { view: STREAM_VIEW, heartbeatTimeout: '2s' }, { taskQueue: queue });
        await waitFor('the run in flight', () => calls === 1);
        const handle = env.client.workflow.getHandle(started.workflowId);
        await handle.cancel();
        const result = await handle.result().then(
          () => undefined,
          (err: unknown) => err,
        );
        await recordHistory(env.client, 'stream-ingest-cancel-silent-run', started.workflowId);
        return result;
      } finally {
        release();
      }
    });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(calls).toBe(1);
  });

  it('retries a failing run, and fails with the activity code when a run cannot be retried', async () => {
    const queue = `stream-fail-${randomUUID()}`;
    const attempts: number[] = [];
    const worker = await fakeWorker(queue, async () => {
      attempts.push(Context.current().info.attempt);
      if (attempts.length < 3) throw ApplicationFailure.create({ type: 'ONLINE_STORE_UNAVAILABLE', message: 'Redis is down' });
      throw ApplicationFailure.create({ type: 'NOT_FOUND', nonRetryable: true, message: 'unknown feature view "card_txn"' });
    });
    const error = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof streamIngest>('streamIngest', {
        taskQueue: queue,
        workflowId: `stream-fail-${randomUUID()}`,
        args: [{ view: STREAM_VIEW }],
      });
      const result = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      await recordHistory(env.client, 'stream-ingest-run-failed', handle.workflowId);
      return result;
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('NOT_FOUND');
    expect(cause.message).toBe('stream ingestion of "card_txn" stopped: unknown feature view "card_txn"');
  });

  it('fails at once, naming every bad field, on an invalid input from the client or any other starter', async () => {
    const bad = { view: 'card txn', runFor: 'soon', runsPerWorkflow: 0 };
    await expect(startStreamIngest(env.client, STREAM_PROJECT, bad)).rejects.toMatchObject({ code: 'INVALID_WORKFLOW_INPUT' });
    const queue = `stream-input-${randomUUID()}`;
    const worker = await fakeWorker(queue, async () => runResult(1));
    const error = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('streamIngest', { taskQueue: queue, workflowId: `stream-input-${randomUUID()}`, args: [bad] });
      return handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
    });
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('INVALID_WORKFLOW_INPUT');
    expect(cause.message.split('\n')).toEqual([
      'streamIngest input is invalid (3 problems):',
      '  view: must be the name of a feature view reading a stream source, got "card txn"',
      '  runFor: "soon" is not a duration: use a whole number of seconds or a number with a unit, like 90s, 15m, 2h, 1d, 1w',
      '  runsPerWorkflow: must be a whole number from 1 to 1000, got 0',
    ]);
  });
});
