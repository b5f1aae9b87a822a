/**
 * What a freshness alert says: the JSON body POSTed to `alerts.webhook` and the structured log line, built from the
 * same entry so they agree. The body carries every field of the entry plus a one-line `text` (which also makes a
 * Slack or Mattermost incoming webhook show something readable without an adapter) and an `id` that stays the same
 * across Temporal's retries of one alert, so a receiver can drop a duplicate delivery.
 */
import type { AlertKind, FreshnessEntry } from '../workflows/contracts/check-freshness.js';
import { durationText } from './duration-text.js';

/** Every field of the entry but the last alert (this is the next one), and what a receiver routes and shows on. */
export type FreshnessAlertPayload = Omit<FreshnessEntry, 'lastAlert'> & {
  /** `featureflow.freshness.breach` or `featureflow.freshness.recovery`: one name to route on. */
  type: `featureflow.freshness.${AlertKind}`;
  /** `<project>:<view>:<kind>:<checkedAt>`: equal for every delivery attempt of one alert. */
  id: string;
  kind: AlertKind;
  project: string;
  /** One human line, e.g. `[fraud] feature view "user_stats" is STALE: newest event 2h 5m old (max 1h)`. */
  text: string;
};

export function alertPayload(project: string, kind: AlertKind, entry: FreshnessEntry): FreshnessAlertPayload {
  return {
    type: `featureflow.freshness.${kind}`,
    id: `${project}:${entry.view}:${kind}:${entry.checkedAt}`,
    kind,
    project,
    view: entry.view,
    status: entry.status,
    stalenessSeconds: entry.stalenessSeconds,
    maxStalenessSeconds: entry.maxStalenessSeconds,
    newestEventTime: entry.newestEventTime,
    lastMaterializedAt: entry.lastMaterializedAt,
    sinceLastMaterializationSeconds: entry.sinceLastMaterializationSeconds,
    checkedAt: entry.checkedAt,
    text: alertText(project, kind, entry),
  };
}

export function alertText(project: string, kind: AlertKind, entry: FreshnessEntry): string {
  const age = `newest event ${durationText(entry.stalenessSeconds)} old`;
  const max = entry.maxStalenessSeconds === null ? 'no max staleness' : `max ${durationText(entry.maxStalenessSeconds)}`;
  const materialized =
    entry.sinceLastMaterializationSeconds === null
      ? 'never materialized'
      : `last materialized ${durationText(entry.sinceLastMaterializationSeconds)} ago`;
  const state = kind === 'breach' ? 'is STALE' : 'is fresh again';
  return `[${project}] feature view "${entry.view}" ${state}: ${age} (${max}), ${materialized}; checked at ${entry.checkedAt}`;
}

/** The structured log line of an alert (the sink adds nothing but the time it writes it at). */
export interface FreshnessAlertLog extends Omit<FreshnessAlertPayload, 'text'> {
  level: 'warn' | 'info';
  message: string;
  /** Where the alert is also POSTed: the webhook's origin only (a Slack-style URL carries its secret in the path). */
  webhook: string | null;
}

export function alertLog(payload: FreshnessAlertPayload, webhookUrl: string | undefined): FreshnessAlertLog {
  const { text, ...fields } = payload;
  return {
    level: payload.kind === 'breach' ? 'warn' : 'info',
    message: text,
    ...fields,
    webhook: webhookUrl === undefined ? null : webhookOrigin(webhookUrl),
  };
}

/** `https://hooks.slack.com/services/T0/B0/secret` -> `https://hooks.slack.com`: safe to log and to show in errors. */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
