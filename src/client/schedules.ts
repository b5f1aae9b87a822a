/**
 * Acting on a repo's Temporal Schedules one view at a time, as the `featureflow schedules` command and the Temporal
 * UI's buttons do: list, find, trigger, backfill, and wait for the runs a backfill started.
 */
import { ScheduleNotFoundError, type Client, type ScheduleHandle, type ScheduleOverlapPolicy } from '@temporalio/client';
import { msNumberToTs, tsToDate } from '@temporalio/common';
import { FeatureflowError, NotFoundError } from '../registry/errors.js';
import { projectScheduleIds } from './schedule-apply.js';
import { parseScheduleId, scheduleId, type ScheduleKind, type ScheduleMemo } from './schedule-plan.js';

/** One Schedule as `schedules list` shows it. */
export interface ScheduleInfo {
  id: string;
  kind: ScheduleKind;
  view: string;
  workflowType: string;
  /** The cron or interval it was applied with (`0 * * * *`, `every 5m`). */
  when: string;
  overlap: string;
  paused: boolean;
  note: string | null;
  nextRuns: string[];
  lastRun: { scheduledAt: string; workflowId: string } | null;
  running: number;
  actionsTaken: number;
  skippedOverlap: number;
}

export async function listSchedules(client: Client, project: string): Promise<ScheduleInfo[]> {
  const out: ScheduleInfo[] = [];
  for (const id of await projectScheduleIds(client, project)) {
    let d;
    try {
      d = await client.schedule.getHandle(id).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) continue; // deleted since it was listed
      throw err;
    }
    const { kind, view } = parseScheduleId(project, id) as { kind: ScheduleKind; view: string };
    const last = d.info.recentActions.at(-1);
    out.push({
      id,
      kind,
      view,
      workflowType: d.action.workflowType,
      when: (d.action.memo as Partial<ScheduleMemo> | undefined)?.featureflow?.when ?? '?',
      overlap: d.policies.overlap ?? 'SKIP',
      paused: d.state.paused,
      note: d.state.note ?? null,
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      lastRun: last ? { scheduledAt: last.scheduledAt.toISOString(), workflowId: last.action.workflow.workflowId } : null,
      running: d.info.runningActions.length,
      actionsTaken: d.info.numActionsTaken,
      skippedOverlap: d.info.numActionsSkippedOverlap,
    });
  }
  return out;
}

/** The handle of a view's Schedule, after checking it exists (so a typo fails with what to do, not a gRPC error). */
export async function viewSchedule(client: Client, project: string, view: string, kind: ScheduleKind = 'materialize'): Promise<ScheduleHandle> {
  const id = scheduleId(project, kind, view);
  const handle = client.schedule.getHandle(id);
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    const what = { materialize: 'schedule.cron', freshness: 'freshness', drift: 'drift.checkEvery' }[kind];
    throw new NotFoundError(
      `no ${kind} Schedule for view "${view}" (id ${id}) in namespace "${client.options.namespace}": give the view ` +
        `\`${what}\` in the registry and run \`featureflow schedules apply\``,
    );
  }
  return handle;
}

/**
 * Starts a run now, as of now. By default under the Schedule's own overlap policy (the SDK's default would be
 * ALLOW_ALL, which starts a second run next to a running one even where the registry asked for SKIP).
 */
export async function triggerSchedule(handle: ScheduleHandle, overlap?: ScheduleOverlapPolicy): Promise<ScheduleOverlapPolicy> {
  const policy = overlap ?? (await handle.describe()).policies.overlap ?? 'SKIP';
  await handle.trigger(policy);
  return policy;
}

/**
 * Runs every window of [start, end] (both included) the Schedule's cron would have run, each with its own nominal
 * time, and returns those times. BUFFER_ALL by default: the runs queue and go one after another in time order; with
 * SKIP (the Schedule's normal policy) all but the first overlapping window would be dropped.
 */
export async function backfillSchedule(
  handle: ScheduleHandle,
  start: Date,
  end: Date,
  overlap: ScheduleOverlapPolicy = 'BUFFER_ALL',
): Promise<Date[]> {
  if (!(start < end)) throw new FeatureflowError('USAGE', `START ${start.toISOString()} must be before END ${end.toISOString()}`);
  const windows = await matchingTimes(handle, start, end);
  await handle.backfill([{ start, end, overlap }]);
  return windows;
}

/** The Schedule's action times in [start, end]; the server's own list (it starts after `start`, backfill at it). */
async function matchingTimes(handle: ScheduleHandle, start: Date, end: Date): Promise<Date[]> {
  const response = await handle.client.connection.workflowService.listScheduleMatchingTimes({
    namespace: handle.client.options.namespace,
    scheduleId: handle.scheduleId,
    startTime: msNumberToTs(start.getTime() - 1),
    endTime: msNumberToTs(end.getTime()),
  });
  return (response.startTime ?? []).map((t) => tsToDate(t)).filter((t) => t >= start && t <= end);
}

export interface ScheduleProgress {
  /** Runs started since the wait began (backfilled windows, triggers and due runs alike). */
  started: number;
  running: number;
  buffered: number;
}

/**
 * Waits until `expected` more runs have started than `actionsBefore` and none is running or buffered: a backfill
 * (or trigger) has then been worked off. Reports progress on every poll.
 */
export async function waitForScheduleRuns(
  handle: ScheduleHandle,
  actionsBefore: number,
  expected: number,
  options: { pollMs?: number; onProgress?: (p: ScheduleProgress) => void } = {},
): Promise<ScheduleProgress> {
  for (;;) {
    const d = await handle.describe();
    const progress = {
      started: d.info.numActionsTaken - actionsBefore,
      running: d.info.runningActions.length,
      buffered: Number(d.raw.info?.bufferSize ?? 0),
    };
    options.onProgress?.(progress);
    if (progress.started >= expected && progress.running === 0 && progress.buffered === 0) return progress;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

/** The workflow id Temporal gives the run of `window`: the action's id plus the nominal time to the second. */
export function windowRunId(actionWorkflowId: string, window: Date): string {
  return `${actionWorkflowId}-${window.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/** How the runs of these windows ended: the ids of the ones that did not complete, with their status. */
export async function failedWindowRuns(handle: ScheduleHandle, client: Client, windows: readonly Date[]): Promise<Array<{ workflowId: string; status: string }>> {
  const actionId = (await handle.describe()).action.workflowId ?? `${handle.scheduleId}-workflow`;
  const failed: Array<{ workflowId: string; status: string }> = [];
  for (const window of windows) {
    const workflowId = windowRunId(actionId, window);
    const status = (await client.workflow.getHandle(workflowId).describe()).status.name;
    if (status !== 'COMPLETED') failed.push({ workflowId, status });
  }
  return failed;
}
