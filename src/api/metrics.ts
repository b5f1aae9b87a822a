/**
 * Prometheus metrics, written by hand (text format 0.0.4): a client library would be a dependency for a handful of
 * metric families. Each process keeps its own numbers; with `serve --workers N` a scrape reaches one worker, so scrape
 * each worker or sum per instance in queries.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FeatureStatus, WriteResult } from '../online/types.js';
import type { FreshnessEntry } from '../workflows/contracts/check-freshness.js';

/** Seconds. Sub-millisecond buckets because a cached single-entity read takes well under 1 ms. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

const STATUSES: readonly FeatureStatus[] = ['PRESENT', 'NOT_FOUND', 'NULL_VALUE', 'OUTSIDE_MAX_AGE'];

/**
 * Why admission control turned a request or connection away: over the connection cap, over the in-flight read
 * cap, over the entities x features (or rows) limit, a body that stalled or took too long, or one that would take the
 * bodies being received past their memory budget.
 */
export type RejectReason =
  | 'connections'
  | 'client_read_queue'
  | 'read_queue'
  | 'read_wait'
  | 'request_too_large'
  | 'body_timeout'
  | 'body_memory';
const REJECT_REASONS: readonly RejectReason[] = [
  'connections',
  'client_read_queue',
  'read_queue',
  'read_wait',
  'request_too_large',
  'body_timeout',
  'body_memory',
];

interface Histogram {
  /** counts[i] = observations <= LATENCY_BUCKETS[i] (not cumulative yet; summed when rendering). */
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly values = new Map<FeatureStatus, number>(STATUSES.map((s) => [s, 0]));
  private storeErrors = 0;
  private readonly rejections = new Map<RejectReason, number>(REJECT_REASONS.map((r) => [r, 0]));
  private inFlight = 0;
  /** `view="...",mode="online|offline"` -> rows pushed (POST /push and /write-to-online-store). */
  private readonly pushed = new Map<string, number>();
  /** `view="...",result="written|skipped_older|skipped_expired"` -> rows. */
  private readonly pushWrites = new Map<string, number>();
  /** `service="...",result="queued|dropped|written|failed"` -> rows of the serving log (served-log.ts). */
  private readonly servedLog = new Map<string, number>();

  /**
   * How late the event loop runs timers (10 ms resolution sampling): the time one request's CPU work makes every
   * other request wait. Reported per scrape interval (reset on render), so it shows the current state.
   */
  private loopDelay: IntervalHistogram | undefined;

  /** Starts sampling the event loop delay (the server does; a Metrics without it reports no delay). */
  watchEventLoop(): void {
    this.loopDelay ??= monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
  }

  /** Stops sampling (server close). */
  unwatchEventLoop(): void {
    this.loopDelay?.disable();
  }

  /** Connections open now, for the gauge; set by the server (connection-cap.ts counts them). */
  openConnections: () => number = () => 0;

  requestStarted(): void {
    this.inFlight++;
  }

  /** One finished request; `route` is a route's path or a fixed label, never the raw URL (bounded cardinality). */
  requestFinished(route: string, method: string, status: number, seconds: number): void {
    this.inFlight--;
    const key = `route="${escapeLabel(route)}",method="${escapeLabel(method)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let histogram = this.latency.get(route);
    if (!histogram) {
      histogram = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(route, histogram);
    }
    const bucket = LATENCY_BUCKETS.findIndex((upper) => seconds <= upper);
    if (bucket >= 0) histogram.counts[bucket]!++;
    histogram.sum += seconds;
    histogram.count++;
  }

  /** A read or ping that failed because of the online store (unreachable, timed out, unexpected reply). */
  storeError(): void {
    this.storeErrors++;
  }

  /** A request or connection turned away by admission control (it is also counted by status if it got an answer). */
  rejected(reason: RejectReason): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }

  /** Values served in one response, counted by status. */
  valuesServed(counts: Readonly<Record<FeatureStatus, number>>): void {
    for (const status of STATUSES) {
      const n = counts[status];
      if (n > 0) this.values.set(status, (this.values.get(status) ?? 0) + n);
    }
  }

  /** Rows of a view accepted by a push or write, per target store. */
  rowsPushed(view: string, mode: 'online' | 'offline', rows: number): void {
    bump(this.pushed, `view="${escapeLabel(view)}",mode="${mode}"`, rows);
  }

  /** What the online store did with pushed rows of a view. */
  onlineRowsWritten(view: string, result: WriteResult): void {
    const label = `view="${escapeLabel(view)}"`;
    bump(this.pushWrites, `${label},result="written"`, result.written);
    bump(this.pushWrites, `${label},result="skipped_older"`, result.skippedOlder);
    bump(this.pushWrites, `${label},result="skipped_expired"`, result.skippedExpired);
  }

  /** Rows of the serving log: queued by a request, dropped (queue full), then written or failed by the flush. */
  servedLogRows(service: string, result: 'queued' | 'dropped' | 'written' | 'failed', rows: number): void {
    bump(this.servedLog, `service="${escapeLabel(service)}",result="${result}"`, rows);
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP featureflow_http_requests_total HTTP requests answered, by route, method and status.');
    out.push('# TYPE featureflow_http_requests_total counter');
    for (const [labels, n] of this.requests) out.push(`featureflow_http_requests_total{${labels}} ${n}`);

    out.push('# HELP featureflow_http_request_duration_seconds Time from request start to response end.');
    out.push('# TYPE featureflow_http_request_duration_seconds histogram');
    for (const [route, h] of this.latency) {
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

    out.push('# HELP featureflow_http_requests_in_flight Requests being handled now.');
    out.push('# TYPE featureflow_http_requests_in_flight gauge');
    out.push(`featureflow_http_requests_in_flight ${this.inFlight}`);

    out.push('# HELP featureflow_http_open_connections Connections open now (counted against the connection cap).');
    out.push('# TYPE featureflow_http_open_connections gauge');
    out.push(`featureflow_http_open_connections ${this.openConnections()}`);
    const memory = process.memoryUsage();
    out.push('# HELP featureflow_process_memory_bytes Memory of this process: rss, heap_used, and array_buffers (request bodies).');
    out.push('# TYPE featureflow_process_memory_bytes gauge');
    out.push(`featureflow_process_memory_bytes{kind="rss"} ${memory.rss}`);
    out.push(`featureflow_process_memory_bytes{kind="heap_used"} ${memory.heapUsed}`);
    out.push(`featureflow_process_memory_bytes{kind="array_buffers"} ${memory.arrayBuffers}`);

    if (this.loopDelay && this.loopDelay.count > 0) {
      out.push('# HELP featureflow_event_loop_delay_seconds Event loop delay since the previous scrape, by quantile.');
      out.push('# TYPE featureflow_event_loop_delay_seconds gauge');
      for (const q of [50, 99, 100]) {
        out.push(`featureflow_event_loop_delay_seconds{quantile="${q / 100}"} ${this.loopDelay.percentile(q) / 1e9}`);
      }
      this.loopDelay.reset();
    }

    out.push('# HELP featureflow_online_store_errors_total Online store (Redis) operations that failed.');
    out.push('# TYPE featureflow_online_store_errors_total counter');
    out.push(`featureflow_online_store_errors_total ${this.storeErrors}`);

    out.push('# HELP featureflow_http_rejected_total Requests or connections turned away by admission control, by reason.');
    out.push('# TYPE featureflow_http_rejected_total counter');
    for (const [reason, n] of this.rejections) out.push(`featureflow_http_rejected_total{reason="${reason}"} ${n}`);

    out.push('# HELP featureflow_feature_values_total Feature values served, by status.');
    out.push('# TYPE featureflow_feature_values_total counter');
    for (const [status, n] of this.values) out.push(`featureflow_feature_values_total{status="${status}"} ${n}`);

    out.push('# HELP featureflow_pushed_rows_total Rows pushed to a feature view (POST /push, /write-to-online-store), by target store.');
    out.push('# TYPE featureflow_pushed_rows_total counter');
    for (const [labels, n] of this.pushed) out.push(`featureflow_pushed_rows_total{${labels}} ${n}`);
    out.push('# HELP featureflow_pushed_online_rows_total Pushed rows by what the online store did: written, or skipped as older or expired.');
    out.push('# TYPE featureflow_pushed_online_rows_total counter');
    for (const [labels, n] of this.pushWrites) out.push(`featureflow_pushed_online_rows_total{${labels}} ${n}`);
    out.push('# HELP featureflow_served_log_rows_total Serving log rows by what became of them: queued, dropped (queue full), written, failed.');
    out.push('# TYPE featureflow_served_log_rows_total counter');
    for (const [labels, n] of this.servedLog) out.push(`featureflow_served_log_rows_total{${labels}} ${n}`);
    return `${out.join('\n')}\n`;
  }
}

function bump(counters: Map<string, number>, key: string, by: number): void {
  counters.set(key, (counters.get(key) ?? 0) + by);
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
