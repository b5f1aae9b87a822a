/**
 * What the pipelines record per view beside the rows (layout in types.ts): materialization watermarks, the last
 * freshness check and the last alert sent, each a JSON field of a per-project hash, validated both ways
 * (watermark.ts); and, read only, the stream views' ingestion states (stream-tiles.ts). Kept apart from the row store: a handful of small hash commands, no hot path.
 */
import type { RedisClient } from './connection.js';
import { CorruptOnlineValueError } from './errors.js';
import { formatDriftAlert, formatDriftRecord, parseDriftAlert, parseDriftRecord } from './drift-record.js';
import { alertsKey, driftAlertsKey, driftKey, freshnessKey, watermarksKey } from './keys.js';
import { advanceWatermarkScript } from './scripts.js';
import { checkSameServerRun, serverRunId } from './server-run.js';
import { readStreamState, type StoredStreamState } from './stream-tiles.js';
import type { AlertState, DriftAlertRecord, DriftRecord, FreshnessCheck, Watermark, WatermarkAdvance } from './types.js';
import {
  advanceWatermarkArgs,
  formatAlertState,
  formatFreshnessCheck,
  formatWatermark,
  parseAlertState,
  parseFreshnessCheck,
  parseWatermark,
} from './watermark.js';

export class PipelineRecords {
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
    /** The store's mapping of a Redis error to ours (unavailable vs other), naming what was being done. */
    private readonly fail: (err: unknown, doing: string) => Error,
  ) {}

  async getWatermark(project: string, view: string): Promise<Watermark | undefined> {
    let text: string | null;
    try {
      text = await this.client.hget(watermarksKey(this.keyPrefix, project), view);
    } catch (err) {
      throw this.fail(err, `reading the watermark of "${view}"`);
    }
    return text === null ? undefined : parseWatermark(view, text);
  }

  async setWatermark(project: string, view: string, watermark: Watermark): Promise<void> {
    const text = formatWatermark(view, watermark);
    try {
      await this.client.hset(watermarksKey(this.keyPrefix, project), view, text);
    } catch (err) {
      throw this.fail(err, `recording the watermark of "${view}"`);
    }
  }

  async getWatermarks(project: string): Promise<Map<string, Watermark>> {
    const all = await this.hgetall(watermarksKey(this.keyPrefix, project), 'reading the watermarks');
    return new Map(Object.entries(all).map(([view, text]) => [view, parseWatermark(view, text)]));
  }

  async advanceWatermark(project: string, view: string, advance: WatermarkAdvance): Promise<Watermark | undefined> {
    const { serverRun, ...update } = advance;
    // Checked one round trip before the update: a restart inside that round trip is not caught.
    if (serverRun !== undefined) checkSameServerRun(view, serverRun, await this.serverRun());
    const args = advanceWatermarkArgs(view, update);
    let stored: string | null;
    try {
      stored = await advanceWatermarkScript(this.client, watermarksKey(this.keyPrefix, project), [view, ...args]);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('CORRUPT_WATERMARK ')) {
        throw new CorruptOnlineValueError(err.message.slice('CORRUPT_WATERMARK '.length));
      }
      throw this.fail(err, `recording the watermark of "${view}"`);
    }
    return stored === null ? undefined : parseWatermark(view, stored);
  }

  async getFreshnessRecords(project: string): Promise<{ checks: Map<string, FreshnessCheck>; alerts: Map<string, AlertState> }> {
    const [checks, alerts] = await Promise.all([
      this.hgetall(freshnessKey(this.keyPrefix, project), 'reading freshness checks'),
      this.hgetall(alertsKey(this.keyPrefix, project), 'reading alert states'),
    ]);
    return {
      checks: new Map(Object.entries(checks).map(([view, text]) => [view, parseFreshnessCheck(view, text)])),
      alerts: new Map(Object.entries(alerts).map(([view, text]) => [view, parseAlertState(view, text)])),
    };
  }

  async recordFreshnessChecks(project: string, checks: ReadonlyMap<string, FreshnessCheck>): Promise<void> {
    if (checks.size === 0) return;
    const fields = [...checks].flatMap(([view, check]) => [view, formatFreshnessCheck(view, check)]);
    try {
      await this.client.hset(freshnessKey(this.keyPrefix, project), ...fields);
    } catch (err) {
      throw this.fail(err, 'recording freshness checks');
    }
  }

  async recordAlert(project: string, view: string, alert: AlertState): Promise<void> {
    const text = formatAlertState(view, alert);
    try {
      await this.client.hset(alertsKey(this.keyPrefix, project), view, text);
    } catch (err) {
      throw this.fail(err, `recording the alert state of "${view}"`);
    }
  }

  async getDriftRecords(project: string): Promise<{ reports: Map<string, DriftRecord>; alerts: Map<string, DriftAlertRecord> }> {
    const [reports, alerts] = await Promise.all([
      this.hgetall(driftKey(this.keyPrefix, project), 'reading drift reports'),
      this.hgetall(driftAlertsKey(this.keyPrefix, project), 'reading drift alert states'),
    ]);
    return {
      reports: new Map(Object.entries(reports).map(([view, text]) => [view, parseDriftRecord(view, text)])),
      alerts: new Map(Object.entries(alerts).map(([view, text]) => [view, parseDriftAlert(view, text)])),
    };
  }

  async recordDriftReports(project: string, reports: ReadonlyMap<string, DriftRecord>): Promise<void> {
    if (reports.size === 0) return;
    const fields = [...reports].flatMap(([view, record]) => [view, formatDriftRecord(view, record)]);
    try {
      await this.client.hset(driftKey(this.keyPrefix, project), ...fields);
    } catch (err) {
      throw this.fail(err, 'recording drift reports');
    }
  }

  async recordDriftAlert(project: string, view: string, alert: DriftAlertRecord): Promise<void> {
    const text = formatDriftAlert(view, alert);
    try {
      await this.client.hset(driftAlertsKey(this.keyPrefix, project), view, text);
    } catch (err) {
      throw this.fail(err, `recording the drift alert state of "${view}"`);
    }
  }

  /** Redis' run_id, new at every server start (server-run.ts). */
  async serverRun(): Promise<string | undefined> {
    try {
      return await serverRunId(this.client);
    } catch (err) {
      throw this.fail(err, 'asking Redis for its run id');
    }
  }

  private async hgetall(key: string, doing: string): Promise<Record<string, string>> {
    try {
      return await this.client.hgetall(key);
    } catch (err) {
      throw this.fail(err, doing);
    }
  }

  /** Each view's readStreamState, sent together (auto-pipelining: one round trip). */
  async getStreamStates(project: string, views: readonly string[]): Promise<Map<string, StoredStreamState>> {
    try {
      const states = await Promise.all(views.map((view) => readStreamState(this.client, { prefix: this.keyPrefix, project, view })));
      return new Map(views.flatMap((view, i) => (states[i] ? [[view, states[i]] as const] : [])));
    } catch (err) {
      throw this.fail(err, 'reading stream states');
    }
  }
}
