/**
 * `materializeIncremental` started as a plain `cronSchedule` workflow (the alternative to Schedules) on the
 * time-skipping server, which runs the cron's waits instantly: each run must materialize up to its own cron time,
 * not to its start (a cron run is created when the previous one ends and then waits for its time).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TestWorkflowEnvironment as Env } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testServerExecutable } from '../../../src/devtools/temporal-binaries.js';
import type { MaterializeRangeInput, MaterializeRangeResult } from '../../../src/workflows/shared.js';
import { waitFor } from './helpers/wait.js';
import { workflowBundle } from './helpers/worker.js';

const TASK_QUEUE = 'wf-cron';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const ends: string[] = [];

beforeAll(async () => {
  env = await Env.createTimeSkipping({ server: { executable: testServerExecutable() } });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: {
      // Only the window each run asks for matters here.
      async materializeRange(input: MaterializeRangeInput): Promise<MaterializeRangeResult> {
        ends.push(input.end);
        return { views: [], seconds: 0 };
      },
    },
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
});

it('materializes each cron run up to its own cron time', { timeout: 120_000 }, async () => {
  const handle = await env.client.workflow.start('materializeIncremental', {
    taskQueue: TASK_QUEUE,
    workflowId: 'cron-materialize',
    cronSchedule: '0 * * * *',
    args: [{ views: ['user_events'] }],
  });
  await env.sleep('3h');
  await waitFor('three cron runs', () => ends.length >= 3);
  await handle.terminate('test over');
  const hour = 3_600_000;
  expect(ends.slice(0, 3).every((end) => Date.parse(end) % hour === 0)).toBe(true);
  expect(Date.parse(ends[1] as string) - Date.parse(ends[0] as string)).toBe(hour);
  expect(Date.parse(ends[2] as string) - Date.parse(ends[1] as string)).toBe(hour);
});
