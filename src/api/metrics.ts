/**
 * Prometheus metrics, written by hand (text format 0.0.4): a client library would be a dependency for a handful of
 * metric families. Each process keeps its own numbers; with `serve --workers N` the worker a scrape reaches collects
 * every worker's snapshot through the primary and answers their sum (cluster-metrics.ts).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FeatureStatus, WriteResult } from '../online/types.js';
import { escapeLabel, LATENCY_BUCKETS, renderMetrics, type MetricsSnapshot } from './metrics-render.js';

/** Event loop delay sampling interval; what the histogram reads beyond it is the delay. */
const LOOP_DELAY_RESOLUTION_MS = 10;

export { escapeLabel, LATENCY_BUCKETS, renderFreshnessGauges, type MetricsSnapshot } from './metrics-render.js';


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
  private readonly requestKeys = new Map<string, Map<string, Map<number, string>>>();
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
   * How late the event loop runs timers (sampled every LOOP_DELAY_RESOLUTION_MS): the time one request's CPU work makes every
   * other request wait. Reported per scrape interval (reset on render), so it shows the current state.
   */
  private loopDelay: IntervalHistogram | undefined;

  /** Starts sampling the event loop delay (the server does; a Metrics without it reports no delay). */
  watchEventLoop(): void {
    this.loopDelay ??= monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
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
    const key = this.requestKey(route, method, status);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let histogram = this.latency.get(route);
    if (!histogram) {
      histogram = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(route, histogram);
    }
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && !(seconds <= LATENCY_BUCKETS[bucket]!)) bucket++;
    if (bucket < LATENCY_BUCKETS.length) histogram.counts[bucket]!++;
    histogram.sum += seconds;
    histogram.count++;
  }

  /**
   * The label set of a request counter, made once per (route, method, status): escaping and formatting it on every
   * request was a measurable part of a small read. All three are bounded (route labels, Node's known methods).
   */
  private requestKey(route: string, method: string, status: number): string {
    let byMethod = this.requestKeys.get(route);
    if (!byMethod) this.requestKeys.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let key = byStatus.get(status);
    if (key === undefined) {
      key = `route="${escapeLabel(route)}",method="${escapeLabel(method)}",status="${status}"`;
      byStatus.set(status, key);
    }
    return key;
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

  /**
   * This process's numbers as plain data: what a `--workers` scrape collects from every worker and sums
   * (cluster-metrics.ts). Reading it restarts the event loop delay window, as a scrape did before.
   */
  snapshot(): MetricsSnapshot {
    const memory = process.memoryUsage();
    const latency: MetricsSnapshot['latency'] = {};
    for (const [route, h] of this.latency) latency[route] = { counts: [...h.counts], sum: h.sum, count: h.count };
    let loopDelay: MetricsSnapshot['loopDelay'] = null;
    if (this.loopDelay && this.loopDelay.count > 0) {
      // The histogram holds the time between samples, the resolution included: an idle loop reads 10 ms.
      const late = (q: number) => Math.max(0, (this.loopDelay as IntervalHistogram).percentile(q) / 1e6 - LOOP_DELAY_RESOLUTION_MS) / 1e3;
      loopDelay = [late(50), late(99), late(100)];
      this.loopDelay.reset();
    }
    return {
      processes: 1,
      requests: Object.fromEntries(this.requests),
      latency,
      inFlight: this.inFlight,
      openConnections: this.openConnections(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, arrayBuffers: memory.arrayBuffers },
      loopDelay,
      storeErrors: this.storeErrors,
      rejections: Object.fromEntries(this.rejections),
      values: Object.fromEntries(this.values),
      pushed: Object.fromEntries(this.pushed),
      pushWrites: Object.fromEntries(this.pushWrites),
      servedLog: Object.fromEntries(this.servedLog),
    };
  }

  /** This process alone, in the Prometheus text format. */
  render(): string {
    return renderMetrics(this.snapshot());
  }
}

function bump(counters: Map<string, number>, key: string, by: number): void {
  counters.set(key, (counters.get(key) ?? 0) + by);
}
