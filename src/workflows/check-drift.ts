/**
 * `checkDrift({ views? })`: compares each view's current window of data ([now - drift.window, now), now being the
 * workflow's clock so retries and replays judge the same window) with its drift reference, stores the report as the
 * view's latest, and alerts on a level change. Meant to run on a Temporal Schedule per view (`featureflow schedules
 * apply`, every `drift.checkEvery`). Same pattern as checkFreshness: one activity computes and stores; each view
 * whose level changed (src/drift/transition.ts) gets its alert sent, and only once delivered is it recorded, so a
 * failed alert is due again at the next check. If any alert failed for good the others are still recorded and the
 * run fails naming the views.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { ALERT_ACTIVITY_OPTIONS, STORE_ACTIVITY_OPTIONS } from './activity-options.js';
import { driftAlertsDue, type DueDriftAlert } from '../drift/transition.js';
import type { ErrorCode } from '../registry/error-codes.js';
import type { CheckDriftInput, CheckDriftResult, DriftAlertKind, DriftEntry, DriftLevel } from './contracts/check-drift.js';
import { INVALID_WORKFLOW_INPUT, invalid, objectInput, unknownFields, viewList } from './input.js';

type Activities = ReturnType<typeof createActivities>;

/**
 * Reading stats (stored partition stats, or one scan for a missing plain-view partition) and writing Redis: a few
 * retries through a short outage; a missing reference or bad config is non-retryable in the activity.
 */
const CHECK_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
};

const { checkDrift: checkDriftActivity } = proxyActivities<Activities>(CHECK_OPTIONS);
const { recordDriftAlert } = proxyActivities<Activities>(STORE_ACTIVITY_OPTIONS);
const { sendDriftAlert } = proxyActivities<Activities>(ALERT_ACTIVITY_OPTIONS);

export const DRIFT_ALERT_FAILED = 'DRIFT_ALERT_FAILED' satisfies ErrorCode;

interface DriftAlertOutcome {
  view: string;
  kind: DriftAlertKind;
  level: DriftLevel;
  delivered: boolean;
  recordedAt: string | null;
  error: string | null;
}

export async function checkDrift(input: CheckDriftInput = {}): Promise<CheckDriftResult> {
  const { views } = resolveCheckDriftInput(input);
  const checkedAt = new Date().toISOString();
  setCurrentDetails(`**Checking drift** of ${views ? views.map((v) => `\`${v}\``).join(', ') : 'every view with a drift reference'} at ${checkedAt}`);
  let checked: { project: string; entries: DriftEntry[] };
  try {
    checked = await checkDriftActivity({ ...(views ? { views } : {}), checkedAt });
  } catch (err) {
    throw checkFailure(err);
  }
  const outcomes = await Promise.all(driftAlertsDue(checked.entries).map((alert) => deliver(checked.project, alert)));
  const entries = checked.entries.map((entry) => {
    const outcome = outcomes.find((o) => o.view === entry.view && o.recordedAt !== null);
    return outcome ? { ...entry, lastAlert: { level: outcome.level, at: outcome.recordedAt as string } } : entry;
  });
  const result: CheckDriftResult = {
    checkedAt,
    entries,
    alerts: outcomes.filter((o) => o.delivered).map(({ view, kind, level }) => ({ view, kind, level })),
  };
  setCurrentDetails(driftDetails(checkedAt, entries, outcomes));
  const failed = outcomes.filter((o) => o.error !== null);
  if (failed.length > 0) {
    const lines = failed.map((o) => `  ${o.view} (${o.kind} ${o.level}): ${o.error}`);
    throw ApplicationFailure.create({
      type: DRIFT_ALERT_FAILED,
      nonRetryable: true,
      message: `drift alerts failed for ${failed.map((o) => `"${o.view}"`).join(', ')}; the other views' alerts were recorded, these are due again at the next check:\n${lines.join('\n')}`,
      details: [result],
    });
  }
  return result;
}

/** `{}` (or no input at all, as the UI's form may send) means every view of the worker's repo with a drift reference. */
export function resolveCheckDriftInput(input: unknown): { views: string[] | undefined } {
  const raw = objectInput(input ?? {}, 'checkDrift', '{"views":["user_stats"]}', INVALID_WORKFLOW_INPUT);
  const problems: string[] = [];
  unknownFields(raw, ['views'], problems);
  const views = viewList(raw.views, 'views', problems);
  if (problems.length > 0) throw invalid('checkDrift', problems, INVALID_WORKFLOW_INPUT);
  return { views };
}

/** Send, then record: never caught between the two, so a view's alert is either delivered or due again. */
async function deliver(project: string, { kind, entry }: DueDriftAlert): Promise<DriftAlertOutcome> {
  const { view } = entry;
  const level = entry.report.level;
  try {
    await sendDriftAlert({ project, kind, entry });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { view, kind, level, delivered: false, recordedAt: null, error: rootMessage(err) };
  }
  const at = new Date().toISOString();
  try {
    await recordDriftAlert({ view, level, at });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { view, kind, level, delivered: true, recordedAt: null, error: `delivered but not recorded (the next check sends it again): ${rootMessage(err)}` };
  }
  return { view, kind, level, delivered: true, recordedAt: at, error: null };
}

/** The Temporal UI's current details: one row per view with its level and what became of its alert. */
function driftDetails(checkedAt: string, entries: readonly DriftEntry[], outcomes: readonly DriftAlertOutcome[]): string {
  if (entries.length === 0) return `**Drift at ${checkedAt}**\n\nNo views to check.`;
  const rows = entries.map((e) => {
    const o = outcomes.find((x) => x.view === e.view);
    const drifted = e.report.features.filter((f) => f.level !== 'ok').map((f) => f.feature);
    const alert = !o ? '' : o.error === null ? `${o.kind} sent` : `${o.kind} FAILED`;
    return `| \`${e.view}\` | ${e.report.level === 'ok' ? 'ok' : `**${e.report.level}**`} | ${drifted.join(', ')} | ${alert} |`;
  });
  return [`**Drift at ${checkedAt}**`, '', '| view | level | drifted features | alert |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function rootMessage(err: unknown): string {
  const root = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return (root instanceof Error ? root.message : String(root)).replace(/\|/g, '\\|');
}

/** Keeps the activity's error type (its stable code, e.g. NOT_FOUND or DRIFT_NOT_CONFIGURED) as the workflow's. */
function checkFailure(err: unknown): ApplicationFailure {
  const root = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = root instanceof ApplicationFailure && root.type ? root.type : ('DRIFT_CHECK_FAILED' satisfies ErrorCode);
  return ApplicationFailure.create({
    type,
    nonRetryable: true,
    message: `drift check failed: ${root instanceof Error ? root.message : String(root)}`,
    cause: err instanceof Error ? err : undefined,
  });
}
