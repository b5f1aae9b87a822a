/**
 * What a drift alert says: the JSON body POSTed to `alerts.webhook` and the structured log line, built from the same
 * entry so they agree (the freshness alerts' shape: a `type` to route on, an `id` stable across Temporal's retries
 * of one alert for the receiver's deduplication, and a one-line `text` a Slack-style webhook shows as is).
 */
import { webhookOrigin } from '../freshness/alert.js';
import type { DriftAlertKind, DriftEntry, DriftLevel } from '../workflows/contracts/check-drift.js';

export interface DriftAlertPayload {
  type: `featureflow.drift.${DriftAlertKind}`;
  /** `<project>:<view>:drift:<level>:<checkedAt>`: equal for every delivery attempt of one alert. */
  id: string;
  kind: DriftAlertKind;
  project: string;
  view: string;
  level: DriftLevel;
  /** The level of the last alert (ok when there was none). */
  previousLevel: DriftLevel;
  checkedAt: string;
  reference: DriftEntry['report']['reference'];
  current: DriftEntry['report']['current'];
  /** The features that drifted (level warn or alert), with why. */
  features: Array<{ feature: string; level: DriftLevel; reasons: string[] }>;
  text: string;
}

export function driftAlertPayload(project: string, kind: DriftAlertKind, entry: DriftEntry): DriftAlertPayload {
  const { report } = entry;
  const features = report.features
    .filter((f) => f.level !== 'ok')
    .map((f) => ({ feature: f.feature, level: f.level, reasons: [...f.reasons] }));
  return {
    type: `featureflow.drift.${kind}`,
    id: `${project}:${entry.view}:drift:${report.level}:${entry.checkedAt}`,
    kind,
    project,
    view: entry.view,
    level: report.level,
    previousLevel: entry.lastAlert?.level ?? 'ok',
    checkedAt: entry.checkedAt,
    reference: report.reference,
    current: report.current,
    features,
    text: driftAlertText(project, kind, entry, features),
  };
}

function driftAlertText(project: string, kind: DriftAlertKind, entry: DriftEntry, drifted: DriftAlertPayload['features']): string {
  const { report } = entry;
  const reference = report.reference.snapshot !== undefined ? `snapshot "${report.reference.snapshot}"` : `${report.reference.start} to ${report.reference.end}`;
  const window = `${report.current.start} to ${report.current.end} vs ${reference}`;
  if (kind === 'recovery') return `[${project}] feature view "${entry.view}" has no drift any more (${window}); checked at ${entry.checkedAt}`;
  const shown = drifted.slice(0, 5).map((f) => `${f.feature} ${f.level}${f.reasons.length > 0 ? ` (${f.reasons.join(', ')})` : ''}`);
  const more = drifted.length > shown.length ? `, and ${drifted.length - shown.length} more` : '';
  return `[${project}] feature view "${entry.view}" DRIFT ${report.level.toUpperCase()}: ${shown.join('; ')}${more}; ${window}`;
}

/** The structured log line of an alert; `level` is the log level, as in every log line, so the drift level is `driftLevel`. */
export interface DriftAlertLog extends Omit<DriftAlertPayload, 'text' | 'level'> {
  level: 'warn' | 'info';
  driftLevel: DriftLevel;
  message: string;
  /** The webhook's origin only (a Slack-style URL carries its secret in the path). */
  webhook: string | null;
}

export function driftAlertLog(payload: DriftAlertPayload, webhookUrl: string | undefined): DriftAlertLog {
  const { text, level, ...fields } = payload;
  return {
    level: payload.kind === 'drift' ? 'warn' : 'info',
    message: text,
    driftLevel: level,
    ...fields,
    webhook: webhookUrl === undefined ? null : webhookOrigin(webhookUrl),
  };
}
