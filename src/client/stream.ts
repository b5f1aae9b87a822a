/**
 * Starting, inspecting and stopping a stream view's `streamIngest` workflow. One per view and project (id
 * `stream-ingest-<project>-<view>`), so starting is idempotent: a start while it runs reports the running one. The
 * workflow cannot see its activity's heartbeats, so the live position comes from `describe()`: the server keeps the
 * last heartbeat details of the pending activity (sent at most every 0.8 x the heartbeat timeout); the totals of
 * finished runs come from the workflow's memo, so no worker has to answer a query.
 */
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import { FeatureflowError } from '../registry/errors.js';
import type { streamIngest } from '../workflows/stream-ingest.js';
import { resolveStreamIngestInput } from '../workflows/stream-ingest-input.js';
import {
  streamIngestWorkflowId,
  type StreamIngestHeartbeat,
  type StreamIngestInput,
  type StreamIngestMemo,
} from '../workflows/shared.js';
import { checked, startWorkflowOnce, WorkflowAlreadyRunningError, type StartOptions } from './connection.js';
import { decodeFirst } from './payloads.js';

export { streamIngestWorkflowId };

export interface StreamIngestStart {
  workflowId: string;
  runId: string;
  /** A run of the id was already running: nothing was started. */
  alreadyRunning: boolean;
}

/** Fails before starting when the input is invalid (the workflow's own check); a running ingestion is reported, not an error. */
export async function startStreamIngest(
  client: Client,
  project: string,
  input: StreamIngestInput,
  options: Omit<StartOptions, 'project'> = {},
): Promise<StreamIngestStart> {
  checked(() => resolveStreamIngestInput(input));
  if (input.carried !== undefined) throw new FeatureflowError('INVALID_WORKFLOW_INPUT', '`carried` is set by the workflow itself; leave it out');
  const workflowId = streamIngestWorkflowId(project, input.view);
  try {
    const handle = await startWorkflowOnce<typeof streamIngest>(client, 'streamIngest', input, {
      workflowId,
      what: `stream ingestion of "${input.view}"`,
      taskQueue: options.taskQueue,
      project,
      views: [input.view],
    });
    return { workflowId, runId: handle.firstExecutionRunId, alreadyRunning: false };
  } catch (err) {
    if (!(err instanceof WorkflowAlreadyRunningError)) throw err;
    const running = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: running.runId, alreadyRunning: true };
  }
}

export interface StreamIngestReport {
  workflowId: string;
  /** `NOT_FOUND`: no run of the id exists (never started, or removed by the namespace's retention). */
  status: WorkflowExecutionStatusName | 'NOT_FOUND';
  runId?: string;
  /** Start of the current run of the chain (each continue-as-new starts a new one), ISO-8601. */
  runStartedAt?: string;
  closedAt?: string;
  /** Finished activity runs since the chain started (the workflow's memo). */
  totals?: StreamIngestMemo['stream'];
  /** `waiting`: no worker has taken the run yet, or it waits to retry; `none`: no run pending. */
  activity: 'none' | 'waiting' | 'running' | 'cancelling';
  /** Attempt of the run in flight (2 and more: it is being retried, `lastFailure` says why). */
  attempt: number;
  lastFailure?: string;
  /** When the server got the last heartbeat, ISO-8601. */
  lastHeartbeatAt?: string;
  heartbeat?: StreamIngestHeartbeat;
}

const Counter = z.number().int().nonnegative();
// Heartbeat details and memos come over the wire: taken only when shaped as expected.
const HeartbeatSchema = z.object({
  view: z.string(),
  positions: z.record(z.string(), z.string()),
  events: Counter,
  totalEvents: Counter.optional(),
  late: Counter,
  invalid: Counter,
  pending: Counter.optional(),
  watermarkMicros: z.number().optional(),
  eventsPerSecond: z.number().nullable(),
  since: z.string(),
  at: z.string(),
}) satisfies z.ZodType<StreamIngestHeartbeat>;
const MemoSchema = z.object({
  runs: Counter,
  events: Counter,
  late: Counter,
  invalid: Counter,
  continuedAsNew: Counter,
  lastRunEndedAt: z.string().nullable(),
}) satisfies z.ZodType<StreamIngestMemo['stream']>;

const ACTIVITY_STATES = { 1: 'waiting', 2: 'running', 3: 'cancelling' } as const;

export async function getStreamIngestStatus(client: Client, workflowId: string): Promise<StreamIngestReport> {
  let description: WorkflowExecutionDescription;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { workflowId, status: 'NOT_FOUND', activity: 'none', attempt: 0 };
    throw err;
  }
  const report: StreamIngestReport = {
    workflowId,
    status: description.status.name,
    runId: description.runId,
    runStartedAt: description.startTime.toISOString(),
    activity: 'none',
    attempt: 0,
  };
  if (description.closeTime) report.closedAt = description.closeTime.toISOString();
  const totals = MemoSchema.safeParse(description.memo?.stream);
  if (totals.success) report.totals = totals.data;
  const pending = (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'ingestStream');
  if (!pending) return report;
  report.activity = ACTIVITY_STATES[pending.state as keyof typeof ACTIVITY_STATES] ?? 'waiting';
  report.attempt = pending.attempt ?? 1;
  if (pending.lastFailure?.message) report.lastFailure = pending.lastFailure.message;
  const seconds = pending.lastHeartbeatTime?.seconds;
  if (seconds !== undefined && seconds !== null && Number(seconds) > 0) {
    report.lastHeartbeatAt = new Date(Number(seconds) * 1000 + Math.floor((pending.lastHeartbeatTime?.nanos ?? 0) / 1e6)).toISOString();
  }
  const details = HeartbeatSchema.safeParse(await decodeFirst(client, pending.heartbeatDetails?.payloads));
  if (details.success) report.heartbeat = details.data;
  return report;
}

/**
 * Cancels the ingestion and waits until it has stopped: the run in flight notices at its next heartbeat response,
 * stops after its current batch, and the workflow ends as cancelled. `not-running` when there was nothing to stop.
 */
export async function stopStreamIngest(client: Client, workflowId: string): Promise<'stopped' | 'not-running'> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return 'not-running';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'not-running';
    throw err;
  }
  await handle.cancel();
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) return 'stopped';
    throw err;
  }
  return 'stopped';
}
