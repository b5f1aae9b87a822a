/**
 * The Temporal Schedules a repo asks for, derived from the registry alone (pure, so `schedules apply` can be planned
 * and tested without a server): one `materializeIncremental` Schedule per online view with `schedule.cron`, and one
 * `checkFreshness` Schedule per online view with a `freshness` SLA, and one `checkDrift` Schedule per view with
 * `drift.checkEvery` (online or not: drift is about the data, not the online store). Ids are derived from project and view, so apply
 * finds its own Schedules again and never touches anyone else's.
 */
import { createHash } from 'node:crypto';
import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { parseDuration } from '../registry/duration.js';
import type { FeatureView, OverlapPolicy, Repo } from '../registry/schema.js';
import { featureflowSearchAttributes } from '../workflows/contracts/search-attributes.js';

export type ScheduleKind = 'materialize' | 'freshness' | 'drift';

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['materialize', 'freshness', 'drift'];

/** Defaults a view's `schedule` and `freshness` blocks leave out. */
export const SCHEDULE_DEFAULTS = {
  overlap: 'SKIP' as OverlapPolicy,
  // Each incremental run covers everything since the watermark, so one caught-up run after an outage is enough;
  // a day lets a weekend-long outage of the worker still catch up without a person.
  catchupWindow: '1d',
  pauseOnFailure: false,
  checkEvery: '5m',
} as const;

/** Prefix of every Schedule id of a project: `featureflow:<project>:`. */
export function scheduleIdPrefix(project: string): string {
  return `featureflow:${project}:`;
}

export function scheduleId(project: string, kind: ScheduleKind, view: string): string {
  return `${scheduleIdPrefix(project)}${kind}:${view}`;
}

/** The kind and view named by one of our Schedule ids, or undefined for any other id. */
export function parseScheduleId(project: string, id: string): { kind: ScheduleKind; view: string } | undefined {
  const prefix = scheduleIdPrefix(project);
  if (!id.startsWith(prefix)) return undefined;
  const [kind, view, ...rest] = id.slice(prefix.length).split(':');
  if (!SCHEDULE_KINDS.includes(kind as ScheduleKind) || !view || rest.length > 0) return undefined;
  return { kind: kind as ScheduleKind, view };
}

/** What apply compares and prints; `options` is what it creates (or updates to). */
export interface DesiredSchedule {
  id: string;
  kind: ScheduleKind;
  view: string;
  /** `0 * * * *` or `every 5m`, for people. */
  when: string;
  /** Hash of everything apply manages; stored in the action's memo, so an unchanged Schedule is left alone. */
  fingerprint: string;
  options: ScheduleOptions;
}

/** The memo every managed Schedule (and every run it starts) carries. */
export interface ScheduleMemo {
  featureflow: { project: string; view: string; kind: ScheduleKind; when: string; fingerprint: string };
}

export function desiredSchedules(repo: Repo, taskQueue: string): DesiredSchedule[] {
  const online = repo.featureViews.filter((v) => v.online);
  return [
    ...online.filter((v) => v.schedule).map((v) => materializeSchedule(repo.project, v, taskQueue)),
    ...online.filter((v) => v.freshness).map((v) => freshnessSchedule(repo.project, v, taskQueue)),
    ...repo.featureViews.filter((v) => v.drift?.checkEvery).map((v) => driftSchedule(repo.project, v, taskQueue)),
  ];
}

function materializeSchedule(project: string, view: FeatureView, taskQueue: string): DesiredSchedule {
  const schedule = view.schedule as NonNullable<FeatureView['schedule']>;
  const policies = {
    overlap: (schedule.overlap ?? SCHEDULE_DEFAULTS.overlap) as ScheduleOverlapPolicy,
    catchupWindow: parseDuration(schedule.catchupWindow ?? SCHEDULE_DEFAULTS.catchupWindow) * 1000,
    pauseOnFailure: schedule.pauseOnFailure ?? SCHEDULE_DEFAULTS.pauseOnFailure,
  };
  const spec = { cronExpressions: [schedule.cron], ...(schedule.timezone ? { timezone: schedule.timezone } : {}) };
  return build(project, view.name, 'materialize', schedule.cron, {
    spec,
    policies,
    workflowType: 'materializeIncremental',
    args: [{ views: [view.name] }],
    taskQueue,
    summary: `Materialize ${view.name} (${project}) up to each run's scheduled time`,
  });
}

function freshnessSchedule(project: string, view: FeatureView, taskQueue: string): DesiredSchedule {
  const every = parseDuration(view.freshness?.checkEvery ?? SCHEDULE_DEFAULTS.checkEvery);
  const policies = {
    overlap: 'SKIP' as ScheduleOverlapPolicy,
    // A missed check is worth nothing once the next one is due.
    catchupWindow: Math.max(every, 60) * 1000,
    pauseOnFailure: false,
  };
  return build(project, view.name, 'freshness', `every ${view.freshness?.checkEvery ?? SCHEDULE_DEFAULTS.checkEvery}`, {
    spec: { intervals: [{ every: every * 1000 }] },
    policies,
    workflowType: 'checkFreshness',
    args: [{ views: [view.name] }],
    taskQueue,
    summary: `Check the freshness of ${view.name} (${project}) against its SLA`,
  });
}

function driftSchedule(project: string, view: FeatureView, taskQueue: string): DesiredSchedule {
  const text = view.drift?.checkEvery as NonNullable<NonNullable<FeatureView['drift']>['checkEvery']>;
  const every = parseDuration(text);
  const policies = {
    overlap: 'SKIP' as ScheduleOverlapPolicy,
    // Each check compares the window ending at its own time: a missed one is worth nothing once the next is due.
    catchupWindow: Math.max(every, 60) * 1000,
    pauseOnFailure: false,
  };
  return build(project, view.name, 'drift', `every ${text}`, {
    spec: { intervals: [{ every: every * 1000 }] },
    policies,
    workflowType: 'checkDrift',
    args: [{ views: [view.name] }],
    taskQueue,
    summary: `Check ${view.name} (${project}) for drift against its reference`,
  });
}

interface Parts {
  spec: ScheduleOptions['spec'];
  policies: NonNullable<ScheduleOptions['policies']>;
  workflowType: string;
  args: unknown[];
  taskQueue: string;
  summary: string;
}

function build(project: string, view: string, kind: ScheduleKind, when: string, parts: Parts): DesiredSchedule {
  const id = scheduleId(project, kind, view);
  // v2: FeatureflowView became a list and FeatureflowKind was added, so Schedules applied before are updated.
  const fingerprint = createHash('sha256').update(JSON.stringify({ v: 2, ...parts })).digest('hex').slice(0, 16);
  const memo: ScheduleMemo = { featureflow: { project, view, kind, when, fingerprint } };
  const searchAttributes = featureflowSearchAttributes({ kind: parts.workflowType, project, views: [view] });
  return {
    id,
    kind,
    view,
    when,
    fingerprint,
    options: {
      scheduleId: id,
      spec: parts.spec,
      policies: parts.policies,
      action: {
        type: 'startWorkflow',
        workflowType: parts.workflowType,
        args: parts.args,
        taskQueue: parts.taskQueue,
        // Temporal appends each run's scheduled time, e.g. materialize:fraud:user_stats-2024-05-01T10:00:00Z.
        workflowId: `${kind}:${project}:${view}`,
        memo: { ...memo },
        typedSearchAttributes: searchAttributes,
        staticSummary: parts.summary,
      },
      memo: { ...memo },
      typedSearchAttributes: searchAttributes,
      state: { note: 'managed by `featureflow schedules apply`: change the registry, not this Schedule' },
    },
  };
}
