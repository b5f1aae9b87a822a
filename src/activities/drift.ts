/**
 * The drift activities of the checkDrift workflow: check (compute each view's report for the workflow's window and
 * store it as the view's latest), send one alert (a structured log line, and a POST to `alerts.webhook` when
 * configured: the freshness alerts' channel), and record an alert once it was delivered.
 */
import { z } from 'zod';
import { driftAlertLog, driftAlertPayload, type DriftAlertLog } from '../drift/alert.js';
import { runDriftChecks } from '../drift/compute.js';
import type { DriftRecord } from '../online/types.js';
import type { DriftAlertInput, DriftCheckInput, DriftCheckResult, DriftEntry, RecordDriftAlertInput } from '../workflows/contracts/check-drift.js';
import { Instant, instantDate, parseActivityInput as parseInput } from './activity-input.js';
import { deliverAlert } from './alert-delivery.js';
import type { ActivityDeps } from './deps.js';
import { stderrJsonLine } from './stderr-log.js';

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

export async function checkDrift(deps: ActivityDeps, input: DriftCheckInput): Promise<DriftCheckResult> {
  const { views, checkedAt } = parseInput(CheckInputSchema, 'checkDrift', input);
  const ctx = await deps.resources.engine();
  const at = instantDate(checkedAt);
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
  await deliverAlert(webhook, payload, () => (deps.driftAlertLog ?? stderrDriftAlertLog)(driftAlertLog(payload, webhook)));
}

export async function recordDriftAlert(deps: ActivityDeps, input: RecordDriftAlertInput): Promise<void> {
  const { view, level, at } = parseInput(RecordInputSchema, 'recordDriftAlert', input);
  const { repo } = await deps.resources.engine();
  const store = await deps.resources.store();
  await store.recordDriftAlert(repo.project, view, { level, at: instantDate(at).toISOString() });
}

/** Alert records as JSON lines on stderr (stderr-log.ts). */
export const stderrDriftAlertLog: (line: DriftAlertLog) => void = stderrJsonLine;
