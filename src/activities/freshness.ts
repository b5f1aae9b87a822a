/**
 * The freshness activities of the checkFreshness workflow: check (compute at the workflow's time and record the
 * checks), send one alert (a structured log line, and a POST to `alerts.webhook` when configured), and record an
 * alert once it was delivered. Each does one attempt of one thing: retries belong to Temporal's retry policy, so
 * they back off, stay bounded and show in the UI.
 */
import { z } from 'zod';
import { alertLog, alertPayload, type FreshnessAlertLog } from '../freshness/alert.js';
import { computeFreshness } from '../freshness/compute.js';
import type { FreshnessCheck } from '../online/types.js';
import type {
  FreshnessAlertInput,
  FreshnessCheckInput,
  FreshnessCheckResult,
  RecordAlertInput,
} from '../workflows/contracts/check-freshness.js';
import { Instant, instantDate, parseActivityInput as parseInput } from './activity-input.js';
import { deliverAlert } from './alert-delivery.js';
import type { ActivityDeps } from './deps.js';
import { stderrJsonLine } from './stderr-log.js';

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

export async function checkFreshness(deps: ActivityDeps, input: FreshnessCheckInput): Promise<FreshnessCheckResult> {
  const { views, checkedAt } = parseInput(CheckInputSchema, 'checkFreshness', input);
  const { repo } = await deps.resources.engine();
  const store = await deps.resources.store();
  const entries = await computeFreshness(repo, store, views, instantDate(checkedAt));
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
  await deliverAlert(webhook, payload, () => (deps.alertLog ?? stderrAlertLog)(alertLog(payload, webhook)));
}

export async function recordFreshnessAlert(deps: ActivityDeps, input: RecordAlertInput): Promise<void> {
  const { view, status, at } = parseInput(RecordInputSchema, 'recordFreshnessAlert', input);
  const { repo } = await deps.resources.engine();
  const store = await deps.resources.store();
  await store.recordAlert(repo.project, view, { status, at: instantDate(at).toISOString() });
}

/** Alert records as JSON lines on stderr (stderr-log.ts). */
export const stderrAlertLog: (line: FreshnessAlertLog) => void = stderrJsonLine;
