/**
 * The logical time of a workflow run, resolved in one place: explicit input first, then the nominal time of a run a
 * Schedule started (`TemporalScheduledStartTime`, set also for Schedule backfills and manual triggers), then the
 * cron time of a `cronSchedule` run, then the run's start. Reads only workflowInfo(), which is replay-safe.
 *
 * A cron run is created as soon as the previous one closes and waits for its cron time before its first task, so
 * its start time is the previous run's end; the cron time is that start plus the wait (the server's own backoff).
 * The server measures the wait from an instant just before it stamps the start (seen: 0.2-0.6 s before), so the sum
 * lands just after the cron time: floor it to the cron's grain, a minute unless the expression has seconds.
 */
import { workflowInfo } from '@temporalio/workflow';
import { SCHEDULED_START_TIME } from './contracts/search-attributes.js';
import type { EndSource } from './contracts/materialize-incremental.js';

export interface NominalTime {
  ms: number;
  source: EndSource;
}

export function nominalTime(explicitMs: number | undefined): NominalTime {
  if (explicitMs !== undefined) return { ms: explicitMs, source: 'input' };
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? untypedScheduledTime(info.searchAttributes);
  if (scheduled !== undefined && !Number.isNaN(scheduled.getTime())) return { ms: scheduled.getTime(), source: 'schedule' };
  if (info.cronSchedule && info.cronScheduleToScheduleInterval !== undefined) {
    const grain = cronGrainMs(info.cronSchedule);
    return { ms: Math.floor((info.startTime.getTime() + info.cronScheduleToScheduleInterval) / grain) * grain, source: 'cron' };
  }
  return { ms: info.startTime.getTime(), source: 'start' };
}

/** Older servers send the attribute without type metadata, so the typed view may not carry it. */
function untypedScheduledTime(attributes: Record<string, unknown> | undefined): Date | undefined {
  const value = attributes?.[SCHEDULED_START_TIME.name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first instanceof Date) return first;
  if (typeof first === 'string') return new Date(first);
  return undefined;
}

/** 60 s for 5- and 6-field expressions and the @hourly-style shorthands (their second is 0); else 1 s. */
export function cronGrainMs(cron: string): number {
  const expr = cron.replace(/#.*$/, '').replace(/^(CRON_TZ|TZ)=\S+\s+/, '').trim();
  if (expr.startsWith('@')) return expr.startsWith('@every') ? 1000 : 60_000;
  return expr.split(/\s+/).length === 7 ? 1000 : 60_000;
}
