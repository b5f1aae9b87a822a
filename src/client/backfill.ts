/** Starting, watching, pausing and cancelling the `backfill` and `computeFeatures` workflows. */
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { FeatureflowError } from '../registry/errors.js';
import type { backfill } from '../workflows/backfill.js';
import type { computeFeatures } from '../workflows/compute-features.js';
import { resolveBackfillInput, resolveComputeInput } from '../workflows/input.js';
import {
  backfillWorkflowId,
  computeWorkflowId,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BackfillInput,
  type BackfillProgress,
  type ComputeFeaturesInput,
} from '../workflows/shared.js';
import { checked, startWorkflowOnce, type StartOptions } from './connection.js';

export async function startBackfill(
  client: Client,
  input: BackfillInput,
  options: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof backfill>> {
  checked(() => resolveBackfillInput(input));
  if (input.carried !== undefined) throw new FeatureflowError('INVALID_BACKFILL_INPUT', '`carried` is set by the workflow itself; leave it out');
  return startWorkflowOnce<typeof backfill>(client, 'backfill', input, {
    workflowId: backfillWorkflowId(input),
    what: `a backfill of "${input.view}" over [${input.start}, ${input.end})`,
    taskQueue: options.taskQueue,
    project: options.project,
    views: [input.view],
  });
}

export async function startComputeFeatures(
  client: Client,
  input: ComputeFeaturesInput,
  options: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof computeFeatures>> {
  checked(() => resolveComputeInput(input));
  return startWorkflowOnce<typeof computeFeatures>(client, 'computeFeatures', input, {
    workflowId: computeWorkflowId(input),
    what: `a computation of "${input.view}" over [${input.start}, ${input.end})`,
    taskQueue: options.taskQueue,
    project: options.project,
    views: [input.view],
  });
}

/** Follows continue-as-new: the query goes to the latest run of the id. */
export function getBackfillProgress(client: Client, workflowId: string): Promise<BackfillProgress> {
  return client.workflow.getHandle<typeof backfill>(workflowId).query(progressQuery);
}

export async function pauseBackfill(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(pauseSignal);
}

export async function resumeBackfill(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(resumeSignal);
}

/** Chunks in flight are cancelled and finish cleanly; the workflow then ends as cancelled. */
export async function cancelBackfill(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).cancel();
}

