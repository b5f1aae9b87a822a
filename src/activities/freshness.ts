/**
 * The freshness activities of the checkFreshness workflow: check (compute at the workflow's time and record the
 * checks), send one alert (a structured log line, and a POST to `alerts.webhook` when configured), and record an
 * alert once it was delivered. Each does one attempt of one thing: retries belong to Temporal's retry policy, so
 * they back off, stay bounded and show in the UI.
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { InvalidRequestError } from '../engine/errors.js';
import { alertLog, alertPayload, type FreshnessAlertLog } from '../freshness/alert.js';
import { computeFreshness } from '../freshness/compute.js';
import { postAlert } from '../freshness/webhook.js';
import type { FreshnessCheck } from '../online/types.js';
import { formatPath } from '../registry/errors.js';
import { parseInstantMs } from '../registry/instant.js';
import type {
  FreshnessAlertInput,
  FreshnessCheckInput,
  FreshnessCheckResult,
  RecordAlertInput,
} from '../workflows/contracts/check-freshness.js';
import type { ActivityDeps } from './deps.js';
import { stderrJsonLine } from './stderr-log.js';

/** Well inside the workflow's startToClose for the send activity, so a hung receiver is a retry, not a timeout. */
const WEBHOOK_TIMEOUT_MS = 10_000;

const Instant = z.string().refine((s) => parseInstantMs(s) !== undefined, 'must be an ISO-8601 instant');
const Seconds = z.number().finite().nullable();
const AlertedStatus = z.enum(['stale', 'fresh']);

const CheckInputSchema = z.strictObject({ views: z.array(z.string().min(1)).optional(), checkedAt: Instant });

const EntrySchema = z.strictObject({
  view: z.string().min(1),
  status: z.enum(['fresh', 'stale', 'unknown']),
  stalenessSeconds: Seconds,
  maxStalenessSeconds: Seconds,
  newestEventTime: Instant.nullable(),
  lastMaterializedAt: Instant.nullable(),
  sinceLastMaterializationSeconds: Seconds,
  checkedAt: Instant,
  lastAlert: z.strictObject({ status: AlertedStatus, at: Instant }).nullable(),
});

const AlertInputSchema = z.strictObject({ project: z.string().min(1), kind: z.enum(['breach', 'recovery']), entry: EntrySchema });

const RecordInputSchema = z.strictObject({ view: z.string().min(1), status: AlertedStatus, at: Instant });

function parseInput<T>(schema: z.ZodType<T>, activity: string, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(i.path) || '(input)'}: ${i.message}`);
    throw new InvalidRequestError(`${activity} input is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export async function checkFreshness(deps: ActivityDeps, input: FreshnessCheckInput): Promise<FreshnessCheckResult> {
  const { views, checkedAt } = parseInput(CheckInputSchema, 'checkFreshness', input);
  const { repo } = await deps.resources.engine();
  const store = await deps.resources.store();
  const entries = await computeFreshness(repo, store, views, new Date(parseInstantMs(checkedAt) as number));
  const checks = new Map<string, FreshnessCheck>(
    entries.map((e) => [e.view, { status: e.status, stalenessSeconds: e.stalenessSeconds, checkedAt: e.checkedAt }]),
  );
  await store.recordFreshnessChecks(repo.project, checks);
  return { project: repo.project, entries };
}

export async function sendFreshnessAlert(deps: ActivityDeps, input: FreshnessAlertInput): Promise<void> {
  const { project, kind, entry } = parseInput(AlertInputSchema, 'sendFreshnessAlert', input);
  const { repo } = await deps.resources.engine();
  const webhook = repo.alerts?.webhook;
  const payload = alertPayload(project, kind, entry);
  // Once per alert, not once per delivery attempt: a flaky receiver must not turn one alert into ten log lines.
  if (Context.current().info.attempt === 1) (deps.alertLog ?? stderrAlertLog)(alertLog(payload, webhook));
  if (webhook !== undefined) await postAlert(webhook, payload, { timeoutMs: WEBHOOK_TIMEOUT_MS, idempotencyKey: payload.id });
}

export async function recordFreshnessAlert(deps: ActivityDeps, input: RecordAlertInput): Promise<void> {
  const { view, status, at } = parseInput(RecordInputSchema, 'recordFreshnessAlert', input);
  const { repo } = await deps.resources.engine();
  const store = await deps.resources.store();
  await store.recordAlert(repo.project, view, { status, at: new Date(parseInstantMs(at) as number).toISOString() });
}

/** Alert records as JSON lines on stderr (stderr-log.ts). */
export const stderrAlertLog: (line: FreshnessAlertLog) => void = stderrJsonLine;
