/**
 * Managing a repo's Temporal Schedules (see schedule-plan.ts for which ones): `applySchedules` creates, updates or
 * deletes them so the server matches the registry, idempotently; the rest act on one Schedule by view, as the
 * `featureflow schedules` command and the Temporal UI's buttons do.
 */
import { ScheduleNotFoundError, type Client, type ScheduleHandle, type ScheduleOverlapPolicy } from '@temporalio/client';
import { msNumberToTs, tsToDate } from '@temporalio/common';
import { FeatureflowError, NotFoundError } from '../registry/errors.js';
import type { Repo } from '../registry/schema.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../workflows/contracts/search-attributes.js';
import { TASK_QUEUE } from '../workflows/shared.js';
import { desiredSchedules, parseScheduleId, scheduleId, type DesiredSchedule, type ScheduleKind, type ScheduleMemo } from './schedule-plan.js';

export type ScheduleAction = 'created' | 'updated' | 'deleted' | 'unchanged';

export interface ScheduleChange {
  id: string;
  kind: ScheduleKind;
  view: string;
  /** The cron or interval (the one it had, for a deleted Schedule: unknown, so empty). */
  when: string;
  action: ScheduleAction;
}

export interface ApplyOptions {
  taskQueue?: string;
  /** Called once per Schedule as it is handled (the CLI prints as it goes). */
  onChange?: (change: ScheduleChange) => void;
}

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is not our dependency). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/**
 * Registers FeatureflowProject and FeatureflowView (Keyword) in the namespace when missing; returns the names added.
 * Needs the operator API: where it is not allowed (Temporal Cloud, restricted clusters) the error says what to run.
 */
export async function ensureSearchAttributes(client: Client): Promise<string[]> {
  const namespace = client.options.namespace;
  const names = Object.keys(CUSTOM_SEARCH_ATTRIBUTES);
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = names.filter((n) => !(customAttributes && n in customAttributes));
    if (missing.length > 0) {
      await client.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((n) => [n, INDEXED_VALUE_TYPE_KEYWORD])),
      });
    }
    return missing;
  } catch (err) {
    const create = names.map((n) => `--name ${n} --type Keyword`).join(' ');
    throw new FeatureflowError(
      'SEARCH_ATTRIBUTES_MISSING',
      `cannot register the search attributes ${names.join(', ')} in namespace "${namespace}" (${(err as Error).message}); ` +
        `create them once with: temporal operator search-attribute create --namespace ${namespace} ${create}`,
      { cause: err },
    );
  }
}

/** Makes the server's Schedules of `repo.project` match the registry. Returns one change per Schedule, in order. */
export async function applySchedules(client: Client, repo: Repo, options: ApplyOptions = {}): Promise<ScheduleChange[]> {
  await ensureSearchAttributes(client);
  const desired = desiredSchedules(repo, options.taskQueue ?? TASK_QUEUE);
  const changes: ScheduleChange[] = [];
  const report = (change: ScheduleChange): void => {
    changes.push(change);
    options.onChange?.(change);
  };
  for (const want of desired) report({ id: want.id, kind: want.kind, view: want.view, when: want.when, action: await applyOne(client, want) });
  const wanted = new Set(desired.map((d) => d.id));
  // Listing is eventually consistent, so a Schedule made a moment ago may be missing from it: the ids the registry's
  // own views could have are also probed directly, which covers the usual case (a view lost its schedule or SLA).
  const possible = repo.featureViews.flatMap((v) => (['materialize', 'freshness'] as const).map((kind) => scheduleId(repo.project, kind, v.name)));
  const candidates = [...new Set([...possible, ...(await projectScheduleIds(client, repo.project))])].filter((id) => !wanted.has(id));
  for (const id of candidates.sort()) {
    const parsed = parseScheduleId(repo.project, id);
    if (!parsed) continue;
    try {
      await client.schedule.getHandle(id).delete();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) continue;
      throw err;
    }
    report({ id, ...parsed, when: '', action: 'deleted' });
  }
  return changes;
}

async function applyOne(client: Client, want: DesiredSchedule): Promise<ScheduleAction> {
  const handle = client.schedule.getHandle(want.id);
  let current: Awaited<ReturnType<ScheduleHandle['describe']>> | undefined;
  try {
    current = await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  if (!current) {
    await withFreshSearchAttributes(() => client.schedule.create(want.options));
    return 'created';
  }
  const memo = current.action.memo as Partial<ScheduleMemo> | undefined;
  if (memo?.featureflow?.fingerprint === want.fingerprint) return 'unchanged';
  const { spec, action, policies, typedSearchAttributes } = want.options;
  await withFreshSearchAttributes(() =>
    handle.update((previous) => ({
      spec,
      action,
      ...(policies ? { policies } : {}),
      ...(typedSearchAttributes ? { typedSearchAttributes } : {}),
      // A person may have paused it (or pause-on-failure did): apply changes the definition, not that decision.
      state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) },
    })),
  );
  return 'updated';
}

/**
 * Search attributes registered a moment ago may not be visible to every part of the server yet; it then refuses the
 * Schedule as naming an unknown attribute. Retry that one error briefly instead of failing a first apply.
 */
async function withFreshSearchAttributes<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const unknownAttribute = /search attribute/i.test((err as Error).message ?? '') && /not (defined|registered|found)|unknown|invalid/i.test((err as Error).message ?? '');
      if (!unknownAttribute || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

/** Ids of the project's Schedules on the server (listing is eventually consistent: a Schedule just made may be missing). */
export async function projectScheduleIds(client: Client, project: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const summary of client.schedule.list()) {
    if (parseScheduleId(project, summary.scheduleId)) ids.push(summary.scheduleId);
  }
  return ids.sort();
}

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
    const what = kind === 'materialize' ? 'schedule.cron' : 'freshness';
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
