/**
 * Overlap policies of a materialization Schedule on a real dev server, with runs held in their activity by the test:
 * under SKIP (the default) a run due while another runs is dropped; a backfill with BUFFER_ALL queues every window
 * and runs them one after another in time order once the running one is done.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applySchedules, backfillSchedule, triggerSchedule, viewSchedule } from '../../../src/client.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import type { MaterializeRangeInput } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { waitFor } from '../workflows/helpers/wait.js';
import { startTestWorker, type TestWorker } from '../workflows/helpers/worker.js';
import { createRecentRepo, type RecentRepo } from './helpers/recent-repo.js';

const TASK_QUEUE = 'sched-overlap';
let env: TestWorkflowEnvironment;
let data: RecentRepo;
let worker: TestWorker;

/** Every materializeRange call, held until released. */
const calls: Array<{ end: string; release: () => void }> = [];
let openGate = false;

beforeAll(async () => {
  env = await startDevServer();
  data = await createRecentRepo(Date.now());
  // Yearly, so no real cron time falls inside the test; the test triggers and backfills instead.
  const config = data.config('overlap', { schedule: { cron: '0 0 1 1 *' } });
  worker = await startTestWorker(env, {
    taskQueue: TASK_QUEUE,
    configPath: config,
    overrideActivities: (real) => ({
      async materializeRange(input: MaterializeRangeInput) {
        await new Promise<void>((release) => {
          calls.push({ end: input.end, release });
          if (openGate) release();
          Context.current().cancellationSignal.addEventListener('abort', () => release());
        });
        return real.materializeRange(input);
      },
    }),
  });
  await applySchedules(env.client, (await loadValidatedRepo(config)).repo, { taskQueue: TASK_QUEUE });
});

afterAll(async () => {
  for (const c of calls) c.release();
  await worker?.stop();
  await env?.teardown();
  await data?.cleanup();
});

it('drops a run due while one is running (SKIP), and runs every backfilled window in order (BUFFER_ALL)', { timeout: 180_000 }, async () => {
  const handle = await viewSchedule(env.client, 'overlap', 'user_last');
  expect(await triggerSchedule(handle)).toBe('SKIP');
  await waitFor('the triggered run to reach its activity', () => calls.length === 1);

  await triggerSchedule(handle);
  const skipped = await waitFor('the second trigger to be skipped', async () => {
    const d = await handle.describe();
    return d.info.numActionsSkippedOverlap >= 1 ? d : undefined;
  });
  expect(skipped.info.runningActions).toHaveLength(1);

  // Three past windows (1 January 2022, 2023, 2024) while the first run is still held: all queue, none is dropped.
  await backfillSchedule(handle, new Date('2021-12-31T00:00:00Z'), new Date('2024-01-02T00:00:00Z'));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(calls).toHaveLength(1);

  openGate = true;
  for (const c of calls) c.release();
  const done = await waitFor(
    'the three buffered windows to run',
    async () => {
      const d = await handle.describe();
      return d.info.numActionsTaken === 4 && d.info.runningActions.length === 0 ? d : undefined;
    },
    120_000,
  );
  expect(done.info.numActionsSkippedOverlap).toBe(1);
  expect(calls.slice(1).map((c) => c.end)).toEqual(['2022-01-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
});
