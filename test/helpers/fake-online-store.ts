// An in-memory OnlineStore for API unit tests: same statuses as the Redis store (PRESENT, NOT_FOUND, NULL_VALUE,
// OUTSIDE_MAX_AGE), plus switches to make it fail or stall like an unreachable Redis.
import { OnlineStoreUnavailableError } from '../../src/online/errors.js';
import type {
  AlertState,
  DriftAlertRecord,
  DriftRecord,
  FeatureColumn,
  FreshnessCheck,
  JsonValue,
  OnlineReadRequest,
  OnlineStore,
  ViewLayout,
  Watermark,
  WatermarkAdvance,
  WriteResult,
} from '../../src/online/types.js';

interface StoredRow {
  values: Record<string, JsonValue>;
  eventMicros: number;
}

export class FakeOnlineStore implements OnlineStore {
  private readonly rows = new Map<string, StoredRow>();
  /** `<project>|<view>` -> watermark, last check, last alert; set them directly to stage a scenario. */
  readonly watermarks = new Map<string, Watermark>();
  readonly checks = new Map<string, FreshnessCheck>();
  readonly alerts = new Map<string, AlertState>();
  readonly driftReports = new Map<string, DriftRecord>();
  readonly driftAlerts = new Map<string, DriftAlertRecord>();
  /** When set, every call rejects with it (an unreachable Redis: OnlineStoreUnavailableError). */
  failure: Error | undefined;
  /** When set, read() waits this long first (in-flight requests during shutdown, store timeouts). */
  readDelayMs = 0;
  reads = 0;
  closed = false;

  /** Stores a row of `view` for the entity with these join-key values (in the view's join-key order). */
  put(view: string, keyValues: readonly unknown[], values: Record<string, JsonValue>, eventTime: string): void {
    this.rows.set(rowId(view, keyValues), { values, eventMicros: Date.parse(eventTime) * 1000 });
  }

  unavailable(): void {
    this.failure = new OnlineStoreUnavailableError('online store unavailable: connection refused');
  }

  async registerLayout(_layout: ViewLayout): Promise<string> {
    this.check();
    return 'fake';
  }

  async writeRows(): Promise<WriteResult> {
    throw new Error('FakeOnlineStore.writeRows: use put()');
  }

  async read(request: OnlineReadRequest): Promise<FeatureColumn[]> {
    this.reads++;
    if (this.readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
    this.check();
    const nowMicros = (request.nowMs ?? Date.now()) * 1000;
    const rowCount = Object.values(request.entities)[0]?.length ?? 0;
    return request.features.map(({ layout, feature }) => {
      const column: FeatureColumn = { values: [], statuses: [], eventMicros: [] };
      for (let i = 0; i < rowCount; i++) {
        const row = this.rows.get(rowId(layout.view, layout.joinKeys.map((k) => request.entities[k]?.[i])));
        if (!row) {
          column.values.push(null);
          column.statuses.push('NOT_FOUND');
          column.eventMicros.push(0);
          continue;
        }
        const value = row.values[feature] ?? null;
        const expired = layout.ttlSeconds > 0 && nowMicros - row.eventMicros > layout.ttlSeconds * 1_000_000;
        column.values.push(value);
        column.statuses.push(value === null ? 'NULL_VALUE' : expired ? 'OUTSIDE_MAX_AGE' : 'PRESENT');
        column.eventMicros.push(row.eventMicros);
      }
      return column;
    });
  }

  async getWatermark(project: string, view: string): Promise<Watermark | undefined> {
    this.check();
    return this.watermarks.get(`${project}|${view}`);
  }

  async getWatermarks(project: string): Promise<Map<string, Watermark>> {
    this.check();
    return ofProject(this.watermarks, project);
  }

  async setWatermark(project: string, view: string, watermark: Watermark): Promise<void> {
    this.check();
    this.watermarks.set(`${project}|${view}`, watermark);
  }

  /** The Lua script's rules, without its atomicity (one process, no concurrency). */
  async advanceWatermark(project: string, view: string, advance: WatermarkAdvance): Promise<Watermark | undefined> {
    this.check();
    const id = `${project}|${view}`;
    const current = this.watermarks.get(id);
    const later = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : Date.parse(a) >= Date.parse(b) ? a : b);
    let next: Watermark;
    if (!current) {
      if (advance.mode === 'advance') return undefined;
      next = { end: advance.end, at: advance.at, ...(advance.newestEvent ? { newestEvent: advance.newestEvent } : {}) };
    } else {
      const joins = advance.start !== undefined && Date.parse(advance.start) <= Date.parse(current.end);
      const newestEvent = later(current.newestEvent, advance.newestEvent);
      next = {
        end: joins ? (later(current.end, advance.end) as string) : current.end,
        at: later(current.at, advance.at) as string,
        ...(newestEvent ? { newestEvent } : {}),
      };
    }
    this.watermarks.set(id, next);
    return next;
  }

  async getFreshnessRecords(project: string): Promise<{ checks: Map<string, FreshnessCheck>; alerts: Map<string, AlertState> }> {
    this.check();
    return { checks: ofProject(this.checks, project), alerts: ofProject(this.alerts, project) };
  }

  async recordFreshnessChecks(project: string, checks: ReadonlyMap<string, FreshnessCheck>): Promise<void> {
    this.check();
    for (const [view, check] of checks) this.checks.set(`${project}|${view}`, check);
  }

  async recordAlert(project: string, view: string, alert: AlertState): Promise<void> {
    this.check();
    this.alerts.set(`${project}|${view}`, alert);
  }

  async getDriftRecords(project: string): Promise<{ reports: Map<string, DriftRecord>; alerts: Map<string, DriftAlertRecord> }> {
    this.check();
    return { reports: ofProject(this.driftReports, project), alerts: ofProject(this.driftAlerts, project) };
  }

  async recordDriftReports(project: string, reports: ReadonlyMap<string, DriftRecord>): Promise<void> {
    this.check();
    for (const [view, record] of reports) this.driftReports.set(`${project}|${view}`, record);
  }

  async recordDriftAlert(project: string, view: string, alert: DriftAlertRecord): Promise<void> {
    this.check();
    this.driftAlerts.set(`${project}|${view}`, alert);
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}

function ofProject<T>(map: ReadonlyMap<string, T>, project: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const [id, value] of map) if (id.startsWith(`${project}|`)) out.set(id.slice(project.length + 1), value);
  return out;
}

function rowId(view: string, keyValues: readonly unknown[]): string {
  return `${view}|${JSON.stringify(keyValues)}`;
}
