/**
 * What the checkFreshness workflow shows in the Temporal UI (current details): one row per view with its status,
 * staleness against its SLA and what became of its alert. Dependency-free: it runs inside the workflow sandbox.
 */
import type { AlertKind, FreshnessEntry } from '../workflows/contracts/check-freshness.js';
import { durationText } from './duration-text.js';

/** What became of one due alert. */
export interface AlertOutcome {
  view: string;
  kind: AlertKind;
  /** The log line was written and the webhook (if any) accepted it. */
  delivered: boolean;
  /** When the alert state was recorded (so the next check does not alert again); null when it was not. */
  recordedAt: string | null;
  /** Why it was not delivered or not recorded, after Temporal's retries. */
  error: string | null;
}

export function freshnessDetails(checkedAt: string, entries: readonly FreshnessEntry[], outcomes: readonly AlertOutcome[]): string {
  const rows = entries.map((e) => {
    const outcome = outcomes.find((o) => o.view === e.view);
    const cells = [`\`${e.view}\``, statusCell(e), durationText(e.stalenessSeconds), durationText(e.maxStalenessSeconds), alertCell(outcome)];
    return `| ${cells.join(' | ')} |`;
  });
  const failed = outcomes.filter((o) => o.error !== null).length;
  const title = failed > 0 ? `**Freshness at ${checkedAt}: ${failed} alert${failed === 1 ? '' : 's'} failed**` : `**Freshness at ${checkedAt}**`;
  if (entries.length === 0) return `${title}\n\nNo online views to check.`;
  return [title, '', '| view | status | staleness | max | alert |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function statusCell(e: FreshnessEntry): string {
  return e.status === 'stale' ? '**stale**' : e.status;
}

function alertCell(outcome: AlertOutcome | undefined): string {
  if (!outcome) return '';
  if (!outcome.delivered) return `${outcome.kind} FAILED: ${tableSafe(outcome.error ?? '')}`;
  if (outcome.recordedAt === null) return `${outcome.kind} sent, not recorded: ${tableSafe(outcome.error ?? '')}`;
  return `${outcome.kind} sent`;
}

/** A pipe or a newline would break the markdown table; long errors are cut (the full one is in the failure). */
function tableSafe(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
