/**
 * Alerts for failed `warn` validation rules, through the freshness alerts' channel: one structured log line and,
 * when `alerts.webhook` is set, one POST built by the same webhook code. Sent by the materializeRange activity once
 * its rows are written; a delivery failure is logged and does not fail the run (retrying would rewrite every key
 * only to send the alert again).
 */
import { webhookOrigin } from '../freshness/alert.js';
import { postAlert } from '../freshness/webhook.js';
import type { ValidationWarning } from '../workflows/contracts/materialize-incremental.js';
import { stderrJsonLine } from './stderr-log.js';

export interface ValidationAlertPayload {
  type: 'featureflow.validation.warn';
  /** `<project>:<view>:validation:<end>`: equal for every delivery of one run's alert. */
  id: string;
  project: string;
  view: string;
  end: string;
  warnings: ValidationWarning[];
  text: string;
}

export interface ValidationAlertLog extends Omit<ValidationAlertPayload, 'text'> {
  level: 'warn';
  message: string;
  webhook: string | null;
}

export function validationAlertPayload(project: string, view: string, end: string, warnings: ValidationWarning[]): ValidationAlertPayload {
  const lines = warnings.map((w) => `validation[${w.index}] ${w.message}${w.examples.length ? `; e.g. ${w.examples.map((e) => e.key).join(', ')}` : ''}`);
  return {
    type: 'featureflow.validation.warn',
    id: `${project}:${view}:validation:${end}`,
    project,
    view,
    end,
    warnings,
    text: `[${project}] feature view "${view}" materialized up to ${end} with ${warnings.length} failed warn rule(s): ${lines.join('; ')}`,
  };
}

export async function sendValidationAlert(
  payload: ValidationAlertPayload,
  webhook: string | undefined,
  log: (line: ValidationAlertLog) => void,
): Promise<void> {
  const { text, ...fields } = payload;
  log({ level: 'warn', message: text, ...fields, webhook: webhook === undefined ? null : webhookOrigin(webhook) });
  if (webhook === undefined) return;
  try {
    await postAlert(webhook, payload, { timeoutMs: 10_000, idempotencyKey: payload.id });
  } catch (err) {
    log({ level: 'warn', message: `validation alert not delivered: ${err instanceof Error ? err.message : String(err)}`, ...fields, webhook: webhookOrigin(webhook) });
  }
}

/** Alert records as JSON lines on stderr (stderr-log.ts). */
export const stderrValidationLog: (line: ValidationAlertLog) => void = stderrJsonLine;
