/**
 * The checkDrift workflow alone, with every activity faked: what it hands the check, and how it fails when an
 * alert was delivered but could not be recorded (the other views' alerts still recorded, the run naming the view).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftLevel, DriftReport } from '../../../src/engine/stats/types.js';
import type { checkDrift } from '../../../src/workflows/check-drift.js';
import type {
  CheckDriftResult,
  DriftAlertInput,
  DriftCheckInput,
  DriftCheckResult,
  RecordDriftAlertInput,
} from '../../../src/workflows/contracts/check-drift.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { workflowBundle } from './helpers/worker.js';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  [env] = await Promise.all([startDevServer(), workflowBundle()]);
});

afterAll(async () => {
  await env?.teardown();
});

async function failedCheck(queue: string): Promise<ApplicationFailure> {
  const handle = await env.client.workflow.start<typeof checkDrift>('checkDrift', { taskQueue: queue, workflowId: `check-drift-${randomUUID()}`, args: [{}] });
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('checkDrift with fake activities', () => {
  it('hands the workflow clock to the check, and fails naming an alert delivered but not recorded, after recording the others', async () => {
    const queue = `drift-fake-${randomUUID()}`;
    const checks: DriftCheckInput[] = [];
    const sent: DriftAlertInput[] = [];
    const recorded: RecordDriftAlertInput[] = [];
    const fakeWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowBundle: await workflowBundle(),
      activities: {
        checkDrift: async (input: DriftCheckInput): Promise<DriftCheckResult> => {
          checks.push(input);
          const entry = (view: string, level: DriftLevel) => ({ view, checkedAt: input.checkedAt, report: { ...fakeReport(view, level) }, lastAlert: null });
          return { project: 'p', entries: [entry('a', 'alert'), entry('b', 'warn'), entry('c', 'ok')] };
        },
        sendDriftAlert: async (input: DriftAlertInput): Promise<void> => void sent.push(input),
        recordDriftAlert: async (input: RecordDriftAlertInput): Promise<void> => {
          if (input.view === 'b') throw ApplicationFailure.create({ type: 'ONLINE_STORE_ERROR', nonRetryable: true, message: 'Redis said no' });
          recorded.push(input);
        },
      },
    });
    try {
      const failure = await fakeWorker.runUntil(failedCheck(queue));
      expect(failure.type).toBe('DRIFT_ALERT_FAILED');
      expect(failure.message).toContain('drift alerts failed for "b"');
      expect(failure.message).toContain('b (drift warn): delivered but not recorded (the next check sends it again)');
      expect(checks).toHaveLength(1);
      expect(sent.map((s) => [s.entry.view, s.kind])).toEqual([
        ['a', 'drift'],
        ['b', 'drift'],
      ]);
      expect(recorded.map((r) => [r.view, r.level])).toEqual([['a', 'alert']]);
      const details = (failure.details?.[0] ?? {}) as CheckDriftResult;
      expect(details.checkedAt).toBe(checks[0]?.checkedAt);
      expect(details.entries.map((e) => e.lastAlert?.level ?? null)).toEqual(['alert', null, null]);
    } finally {
      if (fakeWorker.getState() === 'RUNNING') fakeWorker.shutdown();
    }
  });
});

function fakeReport(view: string, level: DriftLevel): DriftReport {
  return {
    view,
    reference: { start: '2024-01-01', end: '2024-02-01', rows: 1 },
    current: { start: '2024-03-01', end: '2024-03-02', rows: 1 },
    features: [{ feature: 'amount', dtype: 'float64', nullDeltaPoints: 0, level, reasons: [] }],
    level,
  };
}
