/**
 * The drift activities of the checkDrift workflow: check (compute each view's report for the workflow's window and
 * store it as the view's latest), send one alert (a structured log line, and a POST to `alerts.webhook` when
 * configured: the freshness alerts' channel), and record an alert once it was delivered.
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { driftAlertLog, driftAlertPayload, type DriftAlertLog } from '../drift/alert.js';
import { runDriftChecks } from '../drift/compute.js';
import { InvalidRequestError } from '../engine/errors.js';
import { postAlert } from '../freshness/webhook.js';
import type { DriftRecord } from '../online/types.js';
import { formatPath } from '../registry/errors.js';
import { parseInstantMs } from '../registry/instant.js';
import type { DriftAlertInput, DriftCheckInput, DriftCheckResult, DriftEntry, RecordDriftAlertInput } from '../workflows/contracts/check-drift.js';
import type { ActivityDeps } from './deps.js';
import { stderrJsonLine } from './stderr-log.js';

const WEBHOOK_TIMEOUT_MS = 10_000;

const Instant = z.string().refine((s) => parseInstantMs(s) !== undefined, 'must be an ISO-8601 instant');
const Level = z.enum(['ok', 'warn', 'alert']);

const CheckInputSchema = z.strictObject({ views: z.array(z.string().min(1)).optional(), checkedAt: Instant });

/** The entry comes back from the workflow as this activity sent it; only what the alert reads is checked. */
const AlertInputSchema = z.strictObject({
  project: z.string().min(1),
  kind: z.enum(['drift', 'recovery']),
  entry: z.looseObject({
    view: z.string().min(1),
    checkedAt: Instant,
    report: z.looseObject({ level: Level, features: z.array(z.looseObject({ feature: z.string(), level: Level })) }),
    lastAlert: z.strictObject({ level: Level, at: Instant }).nullable(),
  }),
});

const RecordInputSchema = z.strictObject({ view: z.string().min(1), level: Level, at: Instant });

function parseInput<T>(schema: z.ZodType<T>, activity: string, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(i.path) || '(input)'}: ${i.message}`);
    throw new InvalidRequestError(`${activity} input is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export async function checkDrift(deps: ActivityDeps, input: DriftCheckInput): Promise<DriftCheckResult> {
  const { views, checkedAt } = parseInput(CheckInputSchema, 'checkDrift', input);
  const ctx = await deps.resources.engine();
  const at = new Date(parseInstantMs(checkedAt) as number);
  const reports = await runDriftChecks(ctx, deps.computeDrift, views, at);
  const store = await deps.resources.store();
  const project = ctx.repo.project;
  const checkedIso = at.toISOString();
  await store.recordDriftReports(project, new Map<string, DriftRecord>(reports.map((r) => [r.view, { checkedAt: checkedIso, report: r.report }])));
  const { alerts } = await store.getDriftRecords(project);
  const entries: DriftEntry[] = reports.map(({ view, report }) => ({ view, checkedAt: checkedIso, report, lastAlert: alerts.get(view) ?? null }));
  return { project, entries };
}

export async function sendDriftAlert(deps: ActivityDeps, input: DriftAlertInput): Promise<void> {
  parseInput(AlertInputSchema, 'sendDriftAlert', input);
  const { project, kind, entry } = input;
  const { repo } = await deps.resources.engine();
  const webhook = repo.alerts?.webhook;
  const payload = driftAlertPayload(project, kind, entry);
  // Once per alert, not once per delivery attempt.
  if (Context.current().info.attempt === 1) (deps.driftAlertLog ?? stderrDriftAlertLog)(driftAlertLog(payload, webhook));
  if (webhook !== undefined) await postAlert(webhook, payload, { timeoutMs: WEBHOOK_TIMEOUT_MS, idempotencyKey: payload.id });
}

export async function recordDriftAlert(deps: ActivityDeps, input: RecordDriftAlertInput): Promise<void> {
  const { view, level, at } = parseInput(RecordInputSchema, 'recordDriftAlert', input);
  const { repo } = await deps.resources.engine();
  const store = await deps.resources.store();
  await store.recordDriftAlert(repo.project, view, { level, at: new Date(parseInstantMs(at) as number).toISOString() });
}

/** Alert records as JSON lines on stderr (stderr-log.ts). */
export const stderrDriftAlertLog: (line: DriftAlertLog) => void = stderrJsonLine;
