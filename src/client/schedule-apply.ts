/**
 * `applySchedules`: makes the server's Temporal Schedules of a project match the registry (see schedule-plan.ts for
 * which ones), idempotently: created, updated (keeping a person's pause), deleted, or left alone.
 */
import { ScheduleNotFoundError, type Client, type ScheduleHandle } from '@temporalio/client';
import type { Repo } from '../registry/schema.js';
import { TASK_QUEUE } from '../workflows/shared.js';
import { setupSearchAttributes } from './search-attributes.js';
import { desiredSchedules, parseScheduleId, SCHEDULE_KINDS, scheduleId, type DesiredSchedule, type ScheduleKind, type ScheduleMemo } from './schedule-plan.js';

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

/** Registers the missing search attributes; returns the names added. Kept for 0.1 callers: see setupSearchAttributes. */
export async function ensureSearchAttributes(client: Client): Promise<string[]> {
  return (await setupSearchAttributes(client)).added;
}

/** Makes the server's Schedules of `repo.project` match the registry. Returns one change per Schedule, in order. */
export async function applySchedules(client: Client, repo: Repo, options: ApplyOptions = {}): Promise<ScheduleChange[]> {
  // Schedules and their runs carry the attributes unconditionally, so they must exist first (as `featureflow temporal setup` does).
  await setupSearchAttributes(client);
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
  const possible = repo.featureViews.flatMap((v) => SCHEDULE_KINDS.map((kind) => scheduleId(repo.project, kind, v.name)));
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

