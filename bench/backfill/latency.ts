/**
 * What Temporal adds per chunk, read from the workflow histories rather than from wall times (which on a shared
 * 2-core machine vary more between runs than the overhead itself): how long a scheduled chunk waits for a worker
 * to start it, and how long after a chunk completes the workflow schedules the next one. Together they are the time
 * a slot of the sliding window stands idle per chunk.
 */
import type { WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export interface SlotGaps {
  scheduleToStartMs: number[];
  completeToNextScheduleMs: number[];
}

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  if (!t) return NaN;
  const seconds = typeof t.seconds === 'number' ? t.seconds : Number(t.seconds?.toString() ?? NaN);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
}

/** Adds one run's gaps to `into`. */
export function collectSlotGaps(events: HistoryEvent[], into: SlotGaps): void {
  const scheduledAt = new Map<string, number>();
  for (const [i, e] of events.entries()) {
    if (e.activityTaskScheduledEventAttributes) scheduledAt.set(String(e.eventId), eventMs(e));
    const started = e.activityTaskStartedEventAttributes;
    if (started) into.scheduleToStartMs.push(eventMs(e) - (scheduledAt.get(String(started.scheduledEventId)) ?? NaN));
    if (e.activityTaskCompletedEventAttributes) {
      const next = events.slice(i + 1).find((n) => n.activityTaskScheduledEventAttributes);
      if (next) into.completeToNextScheduleMs.push(eventMs(next) - eventMs(e));
    }
  }
}

export function percentile(xs: number[], p: number): number {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function mean(xs: number[]): number {
  const finite = xs.filter(Number.isFinite);
  return finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
}
