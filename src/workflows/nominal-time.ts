/**
 * The logical time of a workflow run, resolved in one place: explicit input first, then the nominal time of a run a
 * Schedule started (`TemporalScheduledStartTime`, set also for Schedule backfills and manual triggers), then the
 * run's start. Reads only workflowInfo(), which is replay-safe.
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
