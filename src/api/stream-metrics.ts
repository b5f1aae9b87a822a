/**
 * /metrics for views on a stream source, read from their ingestion states in Redis at scrape time (one round trip for
 * every view). Like the freshness gauges, they are rendered by the process that answers the scrape, after the
 * workers' own numbers are summed (cluster-metrics.ts): with `serve --workers N` each appears once, never N times.
 * Counters are the totals the ingestion stored with its tiles, so events/s is
 * `rate(featureflow_stream_events_total[1m])`; they restart from 0 only if the view's state key is deleted.
 * A view whose ingestion never ran has no samples.
 */
import type { StoredStreamState } from '../online/stream-tiles.js';
import { escapeLabel } from './metrics-render.js';

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  sample: (state: StoredStreamState, nowMs: number) => number | null;
}

const FAMILIES: readonly Family[] = [
  { name: 'featureflow_stream_events_total', type: 'counter', help: 'Events folded into the tiles of the stream view (rate() for events/s).', sample: (s) => s.events },
  {
    name: 'featureflow_stream_late_events_total',
    type: 'counter',
    help: 'Events dropped as later than the watermark minus the source allowedLateness.',
    sample: (s) => s.late,
  },
  {
    name: 'featureflow_stream_invalid_events_total',
    type: 'counter',
    help: 'Messages skipped as not a valid event (bad JSON, missing key or time, unparsable time, too far in the future).',
    sample: (s) => s.invalid,
  },
  {
    name: 'featureflow_stream_distinct_overflow_total',
    type: 'counter',
    help: 'count_distinct values dropped beyond the per-tile limit (windows over those tiles are then undercounted).',
    sample: (s) => s.overflow,
  },
  { name: 'featureflow_stream_pending_messages', type: 'gauge', help: 'Broker messages not yet read at the last poll (consumer lag).', sample: (s) => s.pending },
  {
    name: 'featureflow_stream_behind_seconds',
    type: 'gauge',
    help: 'Seconds since the consumer last had nothing pending (served values miss events published since).',
    sample: (s, now) => (s.caughtUpAtMs > 0 ? (now - s.caughtUpAtMs) / 1000 : null),
  },
  {
    name: 'featureflow_stream_watermark_seconds',
    type: 'gauge',
    help: 'Newest event time applied to the tiles, in Unix seconds.',
    sample: (s) => (s.watermarkMicros > 0 ? s.watermarkMicros / 1e6 : null),
  },
  {
    name: 'featureflow_stream_updated_seconds',
    type: 'gauge',
    help: 'When the consumer last wrote a batch or polled, in Unix seconds (an old value: no consumer running).',
    sample: (s) => (s.updatedAtMs > 0 ? s.updatedAtMs / 1000 : null),
  },
];

/** The stream families for `states` (view -> state); undefined (Redis down) renders the headers alone. */
export function renderStreamMetrics(states: ReadonlyMap<string, StoredStreamState> | undefined, nowMs: number): string {
  const out: string[] = [];
  for (const family of FAMILIES) {
    out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const [view, state] of states ?? []) {
      const value = family.sample(state, nowMs);
      if (value !== null) out.push(`${family.name}{view="${escapeLabel(view)}"} ${value}`);
    }
  }
  return `${out.join('\n')}\n`;
}
