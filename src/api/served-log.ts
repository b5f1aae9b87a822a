/**
 * The serving log (`serve --log-served SERVICE[:RATE]`): a sample of the /get-online-features requests made with
 * a logged feature service is kept, as served (entity keys, request time, values, statuses), for `featureflow skew`.
 * The request path only decides the sample and pushes references to what it already built onto a bounded queue;
 * turning them into rows and writing Parquet happens in a background flush every few seconds, on the server's
 * offline DuckDB, in slices with the event loop let through in between (the flush runs in the serving process). A full queue drops the batch and counts it (featureflow_served_log_rows_total{result="dropped"}).
 */
import type { EngineContext } from '../engine/context.js';
import { nextTurn, SERVED_SLICE_ROWS, writeServedRows, type ServedRow } from '../engine/served-log.js';
import type { FeatureColumn } from '../online/types.js';
import { expandService } from '../registry/features.js';
import type { Repo } from '../registry/schema.js';
import { BoundedQueue } from './bounded-queue.js';
import { errorFields, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface ServedLogTarget {
  service: string;
  /** Share of requests logged, 0 < rate <= 1. */
  rate: number;
}

export interface ServedLogOptions {
  repo: Repo;
  targets: readonly ServedLogTarget[];
  engine: () => Promise<EngineContext>;
  metrics: Metrics;
  logger: Logger;
  /** Rows held while waiting for the flush; more are dropped. */
  capacityRows?: number;
  flushIntervalMs?: number;
  /** Replaceable for tests: the sampling draw, and the clock (epoch ms). */
  random?: () => number;
  now?: () => number;
}

export const DEFAULT_SERVED_LOG_CAPACITY = 100_000;
export const DEFAULT_SERVED_LOG_FLUSH_MS = 5_000;

/** One request (or one slice of a big one), as the route had it: columns in the service's feature order. */
interface ServedBatch {
  service: string;
  requestMicros: number;
  entities: Readonly<Record<string, readonly unknown[]>>;
  columns: readonly FeatureColumn[];
}

export class ServedLog {
  /** service -> rate, and the `view:feature` ref of each response column. */
  private readonly rates = new Map<string, number>();
  private readonly refs = new Map<string, string[]>();
  private readonly queue: BoundedQueue<ServedBatch>;
  private readonly random: () => number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: ServedLogOptions) {
    for (const { service, rate } of options.targets) {
      if (!(rate > 0 && rate <= 1)) throw new RangeError(`served log rate of "${service}" must be in (0, 1], got ${rate}`);
      // Throws NotFound for an unknown service, so a typo stops the server's start.
      this.refs.set(service, expandService(options.repo, service).map((f) => `${f.view}:${f.feature}`));
      this.rates.set(service, rate);
    }
    this.queue = new BoundedQueue(options.capacityRows ?? DEFAULT_SERVED_LOG_CAPACITY);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Whether this request is logged: its service is, and the draw falls in the rate. Decided once per request. */
  sample(service: string | undefined): boolean {
    if (service === undefined) return false;
    const rate = this.rates.get(service);
    return rate !== undefined && (rate >= 1 || this.random() < rate);
  }

  /** Queues what was served (no copying: the route does not touch these arrays again). Never throws, never waits. */
  record(service: string, entities: Readonly<Record<string, readonly unknown[]>>, columns: readonly FeatureColumn[]): void {
    const rows = (Object.values(entities)[0] ?? []).length;
    if (rows === 0 || columns.length !== this.refs.get(service)?.length) return;
    const batch = { service, requestMicros: this.now() * 1000, entities, columns };
    const queued = this.queue.push(batch, rows);
    this.options.metrics.servedLogRows(service, queued ? 'queued' : 'dropped', rows);
  }

  /** Rows dropped because the queue was full. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Flushes every flushIntervalMs until close(). */
  start(): void {
    const every = this.options.flushIntervalMs ?? DEFAULT_SERVED_LOG_FLUSH_MS;
    this.timer ??= setInterval(() => void this.flush(), every);
    this.timer.unref();
  }

  /** Writes what is queued now; flushes run one at a time. A failed write is logged and its rows counted lost. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async writeQueued(): Promise<void> {
    const batches = this.queue.drain();
    if (batches.length === 0) return;
    const byService = new Map<string, ServedRow[]>();
    let sinceTurn = 0;
    for (const batch of batches) {
      const rows = byService.get(batch.service) ?? [];
      const before = rows.length;
      this.toRows(batch, rows);
      byService.set(batch.service, rows);
      sinceTurn += rows.length - before;
      if (sinceTurn >= SERVED_SLICE_ROWS) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
    for (const [service, rows] of byService) {
      try {
        await writeServedRows(await this.options.engine(), service, rows);
        this.options.metrics.servedLogRows(service, 'written', rows.length);
      } catch (err) {
        this.options.metrics.servedLogRows(service, 'failed', rows.length);
        this.options.logger.error('writing the serving log failed', { service, rows: rows.length, ...errorFields(err) });
      }
    }
  }

  private toRows(batch: ServedBatch, into: ServedRow[]): void {
    const refs = this.refs.get(batch.service) as string[];
    const keys = Object.keys(batch.entities);
    const count = (batch.entities[keys[0] as string] ?? []).length;
    for (let row = 0; row < count; row++) {
      const entities: Record<string, unknown> = {};
      for (const key of keys) entities[key] = batch.entities[key]?.[row] ?? null;
      const values: Record<string, unknown> = {};
      const statuses: Record<string, string> = {};
      refs.forEach((ref, i) => {
        const column = batch.columns[i] as FeatureColumn;
        values[ref] = column.values[row] ?? null;
        statuses[ref] = column.statuses[row] ?? 'NOT_FOUND';
      });
      into.push({ requestMicros: batch.requestMicros, entities, values, statuses });
    }
  }
}
