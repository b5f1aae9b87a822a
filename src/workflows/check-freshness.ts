/**
 * `checkFreshness({ views? })`: how fresh each online view is, with an alert on a change. Meant to run on a
 * Temporal Schedule per view (`featureflow schedules apply`, every `freshness.checkEvery`). The check time is the
 * workflow's clock, so retries and replays judge the same instant. One activity computes and records the checks;
 * then each view whose status changed (see src/freshness/transition.ts) gets its alert sent, and only once it was
 * delivered is it recorded: a failed alert is due again at the next check instead of being lost. Alerts of
 * different views are independent; if any failed for good the others are still recorded and the run fails naming
 * the views, so the Schedule's history shows it.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { ALERT_ACTIVITY_OPTIONS, STORE_ACTIVITY_OPTIONS } from './activity-options.js';
import type { ErrorCode } from '../registry/error-codes.js';
import { freshnessDetails, type AlertOutcome } from '../freshness/details.js';
import { alertedStatus, alertsDue, type DueAlert } from '../freshness/transition.js';
import type { CheckFreshnessInput, CheckFreshnessResult, FreshnessEntry } from './contracts/check-freshness.js';
import { INVALID_WORKFLOW_INPUT, invalid, objectInput, unknownFields, viewList } from './input.js';

type Activities = ReturnType<typeof createActivities>;

const storeActivities = proxyActivities<Activities>(STORE_ACTIVITY_OPTIONS);
const { sendFreshnessAlert } = proxyActivities<Activities>(ALERT_ACTIVITY_OPTIONS);

export const FRESHNESS_ALERT_FAILED = 'FRESHNESS_ALERT_FAILED' satisfies ErrorCode;

export async function checkFreshness(input: CheckFreshnessInput = {}): Promise<CheckFreshnessResult> {
  const { views } = resolveCheckFreshnessInput(input);
  const checkedAt = new Date().toISOString();
  setCurrentDetails(`**Checking freshness** of ${views ? views.map((v) => `\`${v}\``).join(', ') : 'every online view'} at ${checkedAt}`);
  let checked: { project: string; entries: FreshnessEntry[] };
  try {
    checked = await storeActivities.checkFreshness({ ...(views ? { views } : {}), checkedAt });
  } catch (err) {
    throw checkFailure('freshness check failed', 'FRESHNESS_CHECK_FAILED', err);
  }
  const outcomes = await Promise.all(alertsDue(checked.entries).map((alert) => deliver(checked.project, alert)));
  const result: CheckFreshnessResult = {
    checkedAt,
    entries: withRecordedAlerts(checked.entries, outcomes),
    alerts: outcomes.filter((o) => o.delivered).map(({ view, kind }) => ({ view, kind })),
  };
  setCurrentDetails(freshnessDetails(checkedAt, result.entries, outcomes));
  const failed = outcomes.filter((o) => o.error !== null);
  if (failed.length > 0) {
    throw ApplicationFailure.create({
      type: FRESHNESS_ALERT_FAILED,
      nonRetryable: true,
      message: alertFailureMessage(failed),
      details: [result],
    });
  }
  return result;
}

/** `{}` (or no input at all, as the UI's form may send) means every online view of the worker's repo. */
export function resolveCheckFreshnessInput(input: unknown): { views: string[] | undefined } {
  const raw = objectInput(input ?? {}, 'checkFreshness', '{"views":["user_stats"]}', INVALID_WORKFLOW_INPUT);
  const problems: string[] = [];
  unknownFields(raw, ['views'], problems);
  const views = viewList(raw.views, 'views', problems);
  if (problems.length > 0) throw invalid('checkFreshness', problems, INVALID_WORKFLOW_INPUT);
  return { views };
}

/** Send, then record: never caught between the two, so a view's alert is either delivered or due again. */
async function deliver(project: string, { kind, entry }: DueAlert): Promise<AlertOutcome> {
  const view = entry.view;
  try {
    await sendFreshnessAlert({ project, kind, entry });
  } catch (err) {
    // A cancelled run is cancelled, not a failed alert (and records nothing: the next check decides again).
    if (isCancellation(err)) throw err;
    return { view, kind, delivered: false, recordedAt: null, error: rootMessage(err) };
  }
  const at = new Date().toISOString();
  try {
    await storeActivities.recordFreshnessAlert({ view, status: alertedStatus(kind), at });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { view, kind, delivered: true, recordedAt: null, error: `delivered but not recorded (the next check sends it again): ${rootMessage(err)}` };
  }
  return { view, kind, delivered: true, recordedAt: at, error: null };
}

/** The entries as they stand after this run: a recorded alert is now the view's last alert. */
export function withRecordedAlerts(entries: readonly FreshnessEntry[], outcomes: readonly AlertOutcome[]): FreshnessEntry[] {
  return entries.map((entry) => {
    const outcome = outcomes.find((o) => o.view === entry.view && o.recordedAt !== null);
    return outcome ? { ...entry, lastAlert: { status: alertedStatus(outcome.kind), at: outcome.recordedAt as string } } : entry;
  });
}

export function alertFailureMessage(failed: readonly AlertOutcome[]): string {
  const views = failed.map((o) => `"${o.view}"`).join(', ');
  const lines = failed.map((o) => `  ${o.view} (${o.kind}): ${o.error}`);
  return `freshness alerts failed for ${views}; the other views' alerts were recorded, these are due again at the next check:\n${lines.join('\n')}`;
}

function rootMessage(err: unknown): string {
  const root = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return root instanceof Error ? root.message : String(root);
}

/** Keeps the activity's error type (its stable code, e.g. NOT_FOUND or VIEW_NOT_ONLINE) as the workflow's. */
function checkFailure(what: string, fallbackType: ErrorCode, err: unknown): ApplicationFailure {
  const root = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = root instanceof ApplicationFailure && root.type ? root.type : fallbackType;
  return ApplicationFailure.create({
    type,
    nonRetryable: true,
    message: `${what}: ${root instanceof Error ? root.message : String(root)}`,
    cause: err instanceof Error ? err : undefined,
  });
}
