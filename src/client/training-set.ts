/**
 * Starting the `trainingSet` workflow and reading its live progress. The workflow itself cannot see its activity's
 * heartbeats, so progress comes from `describe()`: the server keeps the last heartbeat details of a pending activity
 * (throttled by the SDK to one every 0.8 x the heartbeat timeout, 8 s for this workflow).
 */
import type { Client, WorkflowExecutionStatusName, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { z } from 'zod';
import type { HeartbeatDetails } from '../activities/heartbeat.js';
import { resolveTrainingSetInput, type trainingSet } from '../workflows/training-set.js';
import { trainingSetWorkflowId, viewsOfFeatureRefs, type TrainingSetInput } from '../workflows/shared.js';
import { checked, startWorkflowOnce, type StartOptions } from './connection.js';
import { decodeFirst } from './payloads.js';

/** Fails before starting when the input is invalid (the workflow's own check) or `out` is being written already. */
export async function startTrainingSet(
  client: Client,
  input: TrainingSetInput,
  options: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof trainingSet>> {
  checked(() => resolveTrainingSetInput(input));
  return startWorkflowOnce<typeof trainingSet>(client, 'trainingSet', input, {
    workflowId: trainingSetWorkflowId(input),
    what: `a training set writing ${input.out}`,
    taskQueue: options.taskQueue,
    project: options.project,
    // A feature service's views are known to the worker only: such a run carries no FeatureflowView.
    views: viewsOfFeatureRefs(input.features),
  });
}

export interface TrainingSetProgress {
  status: WorkflowExecutionStatusName;
  /** `waiting`: no worker has taken the activity yet, or it waits to retry; `none`: not started or finished. */
  activity: 'none' | 'waiting' | 'running' | 'cancelling';
  /** Attempt of the activity (2 and more: it is being retried; `lastFailure` says why). */
  attempt: number;
  lastFailure?: string;
  /** From the last heartbeat: e.g. `2/3 joining user_txn`. */
  step?: string;
  /** DuckDB's estimate for the current step, 0-100. */
  percent?: number;
  /** Across all steps, 0-1, when the heartbeat says which step of how many. */
  fraction?: number;
}

// Heartbeat details come over the wire: take only the fields we show, and only when shaped as expected.
const DetailsSchema = z.object({
  step: z.string().optional(),
  percent: z.number().optional(),
  stepNumber: z.number().int().nonnegative().optional(),
  steps: z.number().int().positive().optional(),
}) satisfies z.ZodType<Pick<HeartbeatDetails, 'step' | 'percent' | 'stepNumber' | 'steps'>>;

const ACTIVITY_STATES = { 1: 'waiting', 2: 'running', 3: 'cancelling' } as const;

export async function getTrainingSetProgress(client: Client, workflowId: string): Promise<TrainingSetProgress> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const progress: TrainingSetProgress = { status: description.status.name, activity: 'none', attempt: 0 };
  const pending = (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'buildTrainingSet');
  if (!pending) return progress;
  progress.activity = ACTIVITY_STATES[pending.state as keyof typeof ACTIVITY_STATES] ?? 'waiting';
  progress.attempt = pending.attempt ?? 1;
  if (pending.lastFailure?.message) progress.lastFailure = pending.lastFailure.message;
  const details = DetailsSchema.safeParse(await decodeFirst(client, pending.heartbeatDetails?.payloads));
  if (details.success) Object.assign(progress, describeStep(details.data));
  return progress;
}

function describeStep(d: z.infer<typeof DetailsSchema>): Pick<TrainingSetProgress, 'step' | 'percent' | 'fraction'> {
  const out: Pick<TrainingSetProgress, 'step' | 'percent' | 'fraction'> = {};
  if (d.step !== undefined) out.step = d.step;
  if (d.percent !== undefined) out.percent = d.percent;
  if (d.stepNumber !== undefined && d.steps !== undefined) {
    const done = Math.max(d.stepNumber - 1, 0) + (d.stepNumber > 0 ? (d.percent ?? 0) / 100 : 0);
    out.fraction = Math.min(1, Math.max(0, done / d.steps));
  }
  return out;
}
