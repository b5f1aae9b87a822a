/**
 * `materializeIncremental` started by hand (from code or the UI's Start Workflow form) on a real dev server: its end
 * is the input's, else the run's start time; it continues from the watermark; bad input and unknown views fail at
 * once, naming what is wrong.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import type { MaterializeIncrementalResult } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { startTestWorker, type TestWorker } from './helpers/worker.js';

const TASK_QUEUE = 'wf-materialize-incremental';
let env: TestWorkflowEnvironment;
let repo: TestRepo;
let worker: TestWorker;
let store: RedisOnlineStore;
let runs = 0;

beforeAll(async () => {
  env = await startDevServer();
  repo = await createTestRepo();
  worker = await startTestWorker(env, { taskQueue: TASK_QUEUE, configPath: repo.config('mi') });
  store = await connectOnlineStore({ url: (await repo.engine('mi')).repo.onlineStore.url, keyPrefix: repo.keyPrefix });
});

afterAll(async () => {
  await store?.close();
  await worker?.stop();
  await env?.teardown();
  await repo?.cleanup();
});

function start(input: unknown) {
  return env.client.workflow.start('materializeIncremental', { taskQueue: TASK_QUEUE, workflowId: `mi-${++runs}`, args: [input] });
}

describe('materializeIncremental started by hand', () => {
  it('materializes up to the given end, then continues from there', async () => {
    const first = await start({ views: ['user_events'], end: '2024-01-03T00:00:00Z' });
    const r1 = (await first.result()) as MaterializeIncrementalResult;
    await recordHistory(env.client, 'materialize-incremental-manual', first.workflowId);
    expect(r1).toMatchObject({ end: '2024-01-03T00:00:00.000Z', endSource: 'input' });
    expect(r1.views).toEqual([
      expect.objectContaining({ view: 'user_events', start: '2024-01-01T00:00:00.000Z', upToDate: false, rowsRead: 17, watermark: '2024-01-03T00:00:00.000Z' }),
    ]);
    const r2 = (await (await start({ views: ['user_events'], end: '2024-01-05T00:00:00Z' })).result()) as MaterializeIncrementalResult;
    expect(r2.views[0]).toMatchObject({ start: '2024-01-03T00:00:00.000Z', watermark: '2024-01-05T00:00:00.000Z' });
    const again = (await (await start({ views: ['user_events'], end: '2024-01-04T00:00:00Z' })).result()) as MaterializeIncrementalResult;
    expect(again.views[0]).toMatchObject({ upToDate: true, rowsRead: 0, watermark: '2024-01-05T00:00:00.000Z' });
  });

  it('materializes every online view it can when given none, and fails naming the one it could not', async () => {
    // user_txn is computed but was never computed here: it has no offline rows to materialize.
    const failure = await failureOf(start({ end: '2024-01-08T00:00:00Z' }));
    expect(failure.message).toContain('1 of 2 views failed to materialize (the others were)');
    expect(failure.message).toContain('user_txn: feature view "user_txn" is computed and has no offline rows yet');
    expect(failure.nonRetryable).toBe(true);
    expect((await store.getWatermark('wf', 'user_events'))?.end).toBe('2024-01-08T00:00:00.000Z');
  });

  it('ends at its own start time when no end is given and no Schedule started it', async () => {
    const before = Date.now();
    const handle = await start({ views: ['user_events'] });
    const result = (await handle.result()) as MaterializeIncrementalResult;
    const startTime = (await handle.describe()).startTime.getTime();
    expect(result.endSource).toBe('start');
    expect(Date.parse(result.end)).toBe(startTime);
    expect(startTime).toBeGreaterThanOrEqual(before - 5000);
    expect((await store.getWatermark('wf', 'user_events'))?.end).toBe(result.end);
  });

  it('fails at once, naming every problem, on input from a careless form', async () => {
    const failure = await failureOf(start({ views: 'user_events', end: 'soon', until: 'now' }));
    expect(failure.type).toBe('INVALID_WORKFLOW_INPUT');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message.split('\n')).toEqual([
      'materializeIncremental input is invalid (3 problems):',
      '  until: unknown field; the input takes views, end',
      '  views: must be a list of feature view names like ["user_stats"], got "user_events"',
      '  end: "soon" is not an ISO-8601 date or date-time',
    ]);
  });

  it('fails at once, without retrying, on a view the repo does not have', async () => {
    const failure = await failureOf(start({ views: ['nosuch'], end: '2024-01-02' }));
    expect(failure.type).toBe('NOT_FOUND');
    expect(failure.message).toContain('"nosuch"');
  });
});

/** The root ApplicationFailure of a failed run (the activity's, when an activity failed it). */
async function failureOf(started: Promise<{ result(): Promise<unknown> }>): Promise<ApplicationFailure> {
  const error = await (await started).result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  let cause = (error as WorkflowFailedError).cause as (Error & { cause?: unknown }) | undefined;
  while (cause?.cause instanceof Error) cause = cause.cause as Error & { cause?: unknown };
  return cause as unknown as ApplicationFailure;
}
