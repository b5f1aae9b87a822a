// An in-memory OnlineStore for API unit tests: same statuses as the Redis store (PRESENT, NOT_FOUND, NULL_VALUE,
// OUTSIDE_MAX_AGE), plus switches to make it fail or stall like an unreachable Redis.
import { OnlineStoreUnavailableError } from '../../src/online/errors.js';
import type {
  FeatureColumn,
  JsonValue,
  OnlineReadRequest,
  OnlineStore,
  ViewLayout,
  Watermark,
  WriteResult,
} from '../../src/online/types.js';

interface StoredRow {
  values: Record<string, JsonValue>;
  eventMicros: number;
}

export class FakeOnlineStore implements OnlineStore {
  private readonly rows = new Map<string, StoredRow>();
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

  async getWatermark(): Promise<Watermark | undefined> {
    this.check();
    return undefined;
  }

  async setWatermark(): Promise<void> {
    this.check();
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

function rowId(view: string, keyValues: readonly unknown[]): string {
  return `${view}|${JSON.stringify(keyValues)}`;
}
