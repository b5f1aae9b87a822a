/**
 * Continue-as-new when the server suggests it (`workflowInfo().continueAsNewSuggested`), on a dev server told to
 * suggest it at 40 events (PITFALLS: the cheap way to test what happens at 4,096 events in production). The
 * maxHistoryEvents threshold is covered in backfill.test.ts; this proves the server's own signal is obeyed too.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackfill } from '../../../src/client.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { startTestWorker, type TestWorker } from './helpers/worker.js';

let env: TestWorkflowEnvironment;
let repo: TestRepo;
let worker: TestWorker | undefined;

beforeAll(async () => {
  [env, repo] = await Promise.all([
    startDevServer({ extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'] }),
    createTestRepo(),
  ]);
});

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
  await repo?.cleanup();
});

it('continues as new when the server suggests it, computing every chunk exactly once', async () => {
  const counts = new Map<string, number>();
  const taskQueue = `wf-suggested-${randomUUID()}`;
  worker = await startTestWorker(env, {
    taskQueue,
    configPath: repo.config('suggested'),
    compute: (ctx, view, start, end, options) => {
      counts.set(start.toISOString(), (counts.get(start.toISOString()) ?? 0) + 1);
      return computeFeatures(ctx, view, start, end, options);
    },
  });
  const range = { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-05T00:00:00Z' };
  // Default maxHistoryEvents (2000): only the server's suggestion can end a run early here.
  const handle = await startBackfill(env.client, { ...range, chunk: '6h', parallelism: 3 }, { taskQueue });
  const result = await handle.result();

  expect(result).toMatchObject({ chunksTotal: 16, chunksDone: 16 });
  expect(result.runs).toBeGreaterThan(1);
  expect([...counts.keys()]).toHaveLength(16);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  const reference = await computeFeatures(await repo.engine('reference'), 'user_txn', new Date(range.start), new Date(range.end));
  expect(result.rowsWritten).toBe(reference.rowsWritten);
  expect(await repo.offlineRows('suggested', 'user_txn')).toEqual(await repo.offlineRows('reference', 'user_txn'));
  const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
  expect(first.status.name).toBe('CONTINUED_AS_NEW');
  await recordHistory(env.client, 'backfill-suggested-continue-as-new', handle.workflowId, handle.firstExecutionRunId);
});
