/**
 * The Prometheus text of metrics snapshots: one process's (Metrics.render) or the sum of every `serve --workers`
 * process's (cluster-metrics.ts), so a scrape that reaches any worker counts the requests all of them served.
 */
import type { FreshnessEntry } from '../workflows/contracts/check-freshness.js';

/** Seconds. Sub-millisecond buckets because a cached single-entity read takes well under 1 ms. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** One process's metrics as plain data (JSON over the cluster's IPC channel). */
export interface MetricsSnapshot {
  /** How many processes were summed into this snapshot. */
  processes: number;
  /** `route=...,method=...,status=...` labels -> requests. */
  requests: Record<string, number>;
  /** Route -> histogram; counts[i] = observations <= LATENCY_BUCKETS[i] (not cumulative). */
  latency: Record<string, { counts: number[]; sum: number; count: number }>;
  inFlight: number;
  openConnections: number;
  memory: { rss: number; heapUsed: number; arrayBuffers: number };
  /** Event loop delay p50, p99 and max in seconds since the previous scrape; null when nothing was sampled. */
  loopDelay: [number, number, number] | null;
  storeErrors: number;
  rejections: Record<string, number>;
  values: Record<string, number>;
  pushed: Record<string, number>;
  pushWrites: Record<string, number>;
  servedLog: Record<string, number>;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/**
 * The sum of several processes' snapshots: counters, histograms, in-flight requests, connections and memory add
 * up; the event loop delay is the worst process's (delays of different loops do not add, and the slowest worker is
 * the one its clients feel).
 */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const out: MetricsSnapshot = {
    processes: 0, requests: {}, latency: {}, inFlight: 0, openConnections: 0, memory: { rss: 0, heapUsed: 0, arrayBuffers: 0 },
    loopDelay: null, storeErrors: 0, rejections: {}, values: {}, pushed: {}, pushWrites: {}, servedLog: {},
  };
  for (const s of snapshots) {
    out.processes += s.processes;
    addCounts(out.requests, s.requests);
    for (const [route, h] of Object.entries(s.latency)) {
      const into = (out.latency[route] ??= { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 });
      h.counts.forEach((n, i) => (into.counts[i] = (into.counts[i] ?? 0) + n));
      into.sum += h.sum;
      into.count += h.count;
    }
    out.inFlight += s.inFlight;
    out.openConnections += s.openConnections;
    out.memory.rss += s.memory.rss;
    out.memory.heapUsed += s.memory.heapUsed;
    out.memory.arrayBuffers += s.memory.arrayBuffers;
    if (s.loopDelay) out.loopDelay = out.loopDelay ? (out.loopDelay.map((d, i) => Math.max(d, s.loopDelay?.[i] ?? 0)) as [number, number, number]) : s.loopDelay;
    out.storeErrors += s.storeErrors;
    addCounts(out.rejections, s.rejections);
    addCounts(out.values, s.values);
    addCounts(out.pushed, s.pushed);
    addCounts(out.pushWrites, s.pushWrites);
    addCounts(out.servedLog, s.servedLog);
  }
  return out;
}

export function renderMetrics(s: MetricsSnapshot): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family('featureflow_http_requests_total', 'counter', 'HTTP requests answered, by route, method and status.');
  for (const [labels, n] of Object.entries(s.requests)) out.push(`featureflow_http_requests_total{${labels}} ${n}`);

  family('featureflow_http_request_duration_seconds', 'histogram', 'Time from request start to response end.');
  for (const [route, h] of Object.entries(s.latency)) {
    const label = `route="${escapeLabel(route)}"`;
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((upper, i) => {
      cumulative += h.counts[i] ?? 0;
      out.push(`featureflow_http_request_duration_seconds_bucket{${label},le="${upper}"} ${cumulative}`);
    });
    out.push(`featureflow_http_request_duration_seconds_bucket{${label},le="+Inf"} ${h.count}`);
    out.push(`featureflow_http_request_duration_seconds_sum{${label}} ${h.sum}`);
    out.push(`featureflow_http_request_duration_seconds_count{${label}} ${h.count}`);
  }

  family('featureflow_server_processes', 'gauge', 'Server processes whose numbers this scrape sums (the --workers that answered).');
  out.push(`featureflow_server_processes ${s.processes}`);
  family('featureflow_http_requests_in_flight', 'gauge', 'Requests being handled now.');
  out.push(`featureflow_http_requests_in_flight ${s.inFlight}`);
  family('featureflow_http_open_connections', 'gauge', 'Connections open now (counted against the connection cap).');
  out.push(`featureflow_http_open_connections ${s.openConnections}`);
  family('featureflow_process_memory_bytes', 'gauge', 'Memory of the server processes: rss, heap_used, and array_buffers (request bodies).');
  out.push(`featureflow_process_memory_bytes{kind="rss"} ${s.memory.rss}`);
  out.push(`featureflow_process_memory_bytes{kind="heap_used"} ${s.memory.heapUsed}`);
  out.push(`featureflow_process_memory_bytes{kind="array_buffers"} ${s.memory.arrayBuffers}`);

  if (s.loopDelay) {
    family('featureflow_event_loop_delay_seconds', 'gauge', 'Event loop delay since the previous scrape, by quantile (the worst process).');
    ['0.5', '0.99', '1'].forEach((q, i) => out.push(`featureflow_event_loop_delay_seconds{quantile="${q}"} ${s.loopDelay?.[i] ?? 0}`));
  }

  family('featureflow_online_store_errors_total', 'counter', 'Online store (Redis) operations that failed.');
  out.push(`featureflow_online_store_errors_total ${s.storeErrors}`);
  family('featureflow_http_rejected_total', 'counter', 'Requests or connections turned away by admission control, by reason.');
  for (const [reason, n] of Object.entries(s.rejections)) out.push(`featureflow_http_rejected_total{reason="${reason}"} ${n}`);
  family('featureflow_feature_values_total', 'counter', 'Feature values served, by status.');
  for (const [status, n] of Object.entries(s.values)) out.push(`featureflow_feature_values_total{status="${status}"} ${n}`);

  family('featureflow_pushed_rows_total', 'counter', 'Rows pushed to a feature view (POST /push, /write-to-online-store), by target store.');
  for (const [labels, n] of Object.entries(s.pushed)) out.push(`featureflow_pushed_rows_total{${labels}} ${n}`);
  family('featureflow_pushed_online_rows_total', 'counter', 'Pushed rows by what the online store did: written, or skipped as older or expired.');
  for (const [labels, n] of Object.entries(s.pushWrites)) out.push(`featureflow_pushed_online_rows_total{${labels}} ${n}`);
  family('featureflow_served_log_rows_total', 'counter', 'Serving log rows by what became of them: queued, dropped (queue full), written, failed.');
  for (const [labels, n] of Object.entries(s.servedLog)) out.push(`featureflow_served_log_rows_total{${labels}} ${n}`);
  return `${out.join('\n')}\n`;
}

/** Label values escape backslash, double quote and newline (the text format's only escapes). */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * The freshness gauges, computed at scrape time (not kept in Metrics: they are Redis's state, not this process's).
 * A view gets a staleness sample once it has a newest event and a last-success sample once it was materialized;
 * Prometheus reads a missing sample as "no data", which is what an unmaterialized view has. `undefined` (Redis did
 * not answer) renders the families without samples, so the rest of the scrape still works.
 */
export function renderFreshnessGauges(entries: readonly FreshnessEntry[] | undefined): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, sample: (e: FreshnessEntry) => number | null): void => {
    out.push(`# HELP ${name} ${help}`);
    out.push(`# TYPE ${name} gauge`);
    for (const e of entries ?? []) {
      const value = sample(e);
      if (value !== null) out.push(`${name}{view="${escapeLabel(e.view)}"} ${value}`);
    }
  };
  gauge(
    'featureflow_feature_view_staleness_seconds',
    'Seconds from the newest materialized event of the view to the scrape.',
    (e) => e.stalenessSeconds,
  );
  gauge(
    'featureflow_feature_view_last_materialized_timestamp_seconds',
    'When the last successful materialization of the view finished, in Unix seconds.',
    (e) => (e.lastMaterializedAt === null ? null : Date.parse(e.lastMaterializedAt) / 1000),
  );
  gauge(
    'featureflow_feature_view_max_staleness_seconds',
    "The view's freshness.maxStaleness (only views that declare one): alert on staleness above it.",
    (e) => e.maxStalenessSeconds,
  );
  return `${out.join('\n')}\n`;
}
