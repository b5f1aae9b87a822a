/**
 * The Redis online store (layout in types.ts). Writes go through one Lua script, newer-wins and atomic per key,
 * batched and with a bounded number of calls in flight; reads fetch every (entity, view) key in one round trip and
 * hand payload elements out without decoding them.
 */
import { checkEntityKeys, checkKeyPrefix, schemaKey } from './keys.js';
import { createClient, type OnlineStoreOptions, type RedisClient } from './connection.js';
import { OnlineStoreUnavailableError, toOnlineStoreError } from './errors.js';
import { defineScripts } from './scripts.js';
import { schemaIdOf } from './stored-value.js';
import { StoreReader } from './store-read.js';
import type { StoredStreamState } from './stream-tiles.js';
import type {
  AlertState,
  DriftAlertRecord,
  DriftRecord,
  EncodedRow,
  FeatureColumn,
  FreshnessCheck,
  OnlineReadRequest,
  OnlineStore,
  ViewLayout,
  Watermark,
  WatermarkAdvance,
  WriteResult,
} from './types.js';
import { PipelineRecords } from './pipeline-records.js';
import { planWrites, splitBatch, type WriteBatch } from './write-plan.js';
import { frameWrite, setNxFrameTemplate } from './frame-write.js';
import type { FrameBatch, RowFrameTemplate } from '../engine/row-frames.js';
import { runWriteBatches } from './write-runner.js';
import { BulkSocket } from './bulk-socket.js';
import { fastWrite } from './fast-write.js';
import { scriptWrite } from './script-write.js';
import { clearProject } from './clear-project.js';
import { WatermarkRepair } from './watermark-repair.js';
import type { Redis } from 'ioredis';

// Standalone writes are planned in slices so the ARGV copies stay small whatever chunk the caller passes. In a
// cluster the whole chunk is grouped by slot at once: slicing would leave one or two keys per script call.
const STANDALONE_SLICE_ROWS = 20_000;
// Below this many rows (a push, a small range) the keys often exist already, and the fast path's SET NX would
// cost a second round trip before the script for each of them: the script alone (script-write.ts) does both in one.
const FAST_PATH_MIN_ROWS = 1000;

export class RedisOnlineStore implements OnlineStore {
  private readonly cluster: boolean;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly pingTimeoutMs: number;
  private readonly reader: StoreReader;
  private lastConnectionError: string | undefined;
  /** Standalone only: the bare connection for first-attempt writes (see fast-write.ts), opened on first use. */
  private bulk: Promise<BulkSocket> | undefined;
  private readonly connectTimeoutMs: number;
  private readonly records: PipelineRecords;

  constructor(
    private readonly client: RedisClient,
    readonly keyPrefix: string,
    options: Omit<OnlineStoreOptions, 'keyPrefix' | 'url'> = {},
  ) {
    checkKeyPrefix(keyPrefix);
    this.cluster = options.cluster !== undefined;
    this.batchSize = options.batchSize ?? 200;
    this.concurrency = options.concurrency ?? 8;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 1000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    defineScripts(client);
    this.reader = new StoreReader(client, keyPrefix, this.cluster, options.clock ?? Date.now, (err, doing) => this.fail(err, doing));
    this.records = new PipelineRecords(client, keyPrefix, (err, doing) => this.fail(err, doing));
    // Without a listener ioredis prints every failed reconnect; keep the last one for our error messages instead.
    client.on('error', (err: Error) => (this.lastConnectionError = err.message));
    client.on('ready', () => (this.lastConnectionError = undefined));
  }

  private fail(err: unknown, doing: string): Error {
    const mapped = toOnlineStoreError(err, doing);
    if (mapped instanceof OnlineStoreUnavailableError && this.lastConnectionError) {
      return new OnlineStoreUnavailableError(`${mapped.message} (last connection error: ${this.lastConnectionError})`, { cause: err });
    }
    return mapped;
  }

  async registerLayout(layout: ViewLayout): Promise<string> {
    const schemaId = schemaIdOf(layout.features);
    const key = schemaKey(this.keyPrefix, layout.project, layout.view, schemaId);
    try {
      await this.client.set(key, JSON.stringify(layout.features));
    } catch (err) {
      throw this.fail(err, `registering the layout of "${layout.view}"`);
    }
    this.reader.schemas.set(key, [...layout.features]);
    return schemaId;
  }

  async writeRows(layout: ViewLayout, schemaId: string, rows: readonly EncodedRow[]): Promise<WriteResult> {
    checkEntityKeys(rows);
    const result: WriteResult = { written: 0, skippedOlder: 0, skippedExpired: 0 };
    const slice = this.cluster ? Math.max(rows.length, 1) : STANDALONE_SLICE_ROWS;
    for (let start = 0; start < rows.length; start += slice) {
      const plan = planWrites(rows.slice(start, start + slice), {
        prefix: this.keyPrefix,
        layout,
        schemaId,
        nowMs: Date.now(),
        batchSize: this.batchSize,
        bySlot: this.cluster,
      });
      result.skippedExpired += plan.skippedExpired;
      const tally = (written: number, skipped: number): void => {
        result.written += written;
        result.skippedOlder += skipped;
      };
      if (plan.batches.length === 0) continue;
      if (!this.cluster && rows.length < FAST_PATH_MIN_ROWS) {
        const done = await this.onBulk(`writing rows of "${layout.view}"`, (socket) => scriptWrite(socket, plan.batches));
        tally(done.written, done.skipped);
        continue;
      }
      let scripted = plan.batches;
      if (!this.cluster) {
        const fast = await this.onBulk(`writing rows of "${layout.view}"`, (socket) => fastWrite(socket, plan.batches));
        tally(fast.written, fast.skipped);
        scripted = fast.newer.keys.length > 0 ? splitBatch(fast.newer, this.batchSize) : [];
      }
      await this.runScripted(layout, scripted, tally);
    }
    return result;
  }

  /** Standalone only: the RESP of one row's first-attempt write, for DuckDB to render (see frame-write.ts). */
  rowFrameTemplate(layout: ViewLayout, schemaId: string, nowMs: number): RowFrameTemplate | undefined {
    return this.cluster ? undefined : setNxFrameTemplate(this.keyPrefix, layout, schemaId, nowMs);
  }

  /** Writes a group rendered from rowFrameTemplate(); existing keys go on to the write-newer script. */
  async writeFrames(layout: ViewLayout, batch: FrameBatch): Promise<WriteResult> {
    const result: WriteResult = { written: 0, skippedOlder: 0, skippedExpired: batch.rows - batch.count };
    const tally = (written: number, skipped: number): void => {
      result.written += written;
      result.skippedOlder += skipped;
    };
    const fast = await this.onBulk(`writing rows of "${layout.view}"`, (socket) => frameWrite(socket, batch));
    tally(fast.written, fast.skipped);
    if (fast.newer.keys.length > 0) await this.runScripted(layout, splitBatch(fast.newer, this.batchSize), tally);
    return result;
  }

  private runScripted(layout: ViewLayout, batches: readonly WriteBatch[], tally: (written: number, skipped: number) => void): Promise<void> {
    return runWriteBatches(this.client, batches, { cluster: this.cluster, concurrency: this.concurrency }, tally, (err, keys) =>
      this.fail(err, `writing ${keys} rows of "${layout.view}"`),
    );
  }

  private async onBulk<T>(doing: string, write: (socket: BulkSocket) => Promise<T>): Promise<T> {
    try {
      return await write(await this.bulkSocket());
    } catch (err) {
      throw this.fail(err, doing);
    }
  }

  private async bulkSocket(): Promise<BulkSocket> {
    const current = this.bulk ? await this.bulk.catch(() => undefined) : undefined;
    if (current?.usable) return current;
    const { host, port, db, username, password, tls } = (this.client as Redis).options;
    this.bulk = BulkSocket.open(
      { host: host ?? '127.0.0.1', port: port ?? 6379, db: db ?? 0, tls: tls !== undefined, ...(username ? { username } : {}), ...(password ? { password } : {}) },
      this.connectTimeoutMs,
    );
    return this.bulk;
  }

  read(request: OnlineReadRequest): Promise<FeatureColumn[]> {
    return this.reader.read(request);
  }

  getWatermark(project: string, view: string): Promise<Watermark | undefined> {
    return this.records.getWatermark(project, view);
  }

  getWatermarks(project: string): Promise<Map<string, Watermark>> {
    return this.records.getWatermarks(project);
  }

  setWatermark(project: string, view: string, watermark: Watermark): Promise<void> {
    return this.records.setWatermark(project, view, watermark);
  }

  advanceWatermark(project: string, view: string, advance: WatermarkAdvance): Promise<Watermark | undefined> {
    return this.records.advanceWatermark(project, view, advance);
  }

  getStreamStates(project: string, views: readonly string[]): Promise<Map<string, StoredStreamState>> {
    return this.records.getStreamStates(project, views);
  }

  /** Overwriting watermarks whatever they hold, for `featureflow watermarks reset` (not on OnlineStore on purpose). */
  watermarkRepair(): WatermarkRepair {
    return new WatermarkRepair(this.client, this.keyPrefix, (err, doing) => this.fail(err, doing));
  }

  getFreshnessRecords(project: string): Promise<{ checks: Map<string, FreshnessCheck>; alerts: Map<string, AlertState> }> {
    return this.records.getFreshnessRecords(project);
  }

  recordFreshnessChecks(project: string, checks: ReadonlyMap<string, FreshnessCheck>): Promise<void> {
    return this.records.recordFreshnessChecks(project, checks);
  }

  recordAlert(project: string, view: string, alert: AlertState): Promise<void> {
    return this.records.recordAlert(project, view, alert);
  }

  getDriftRecords(project: string): Promise<{ reports: Map<string, DriftRecord>; alerts: Map<string, DriftAlertRecord> }> {
    return this.records.getDriftRecords(project);
  }

  recordDriftReports(project: string, reports: ReadonlyMap<string, DriftRecord>): Promise<void> {
    return this.records.recordDriftReports(project, reports);
  }

  recordDriftAlert(project: string, view: string, alert: DriftAlertRecord): Promise<void> {
    return this.records.recordDriftAlert(project, view, alert);
  }

  /** Deletes every key of `project` under this store's prefix; returns how many. */
  async clearProject(project: string): Promise<number> {
    try {
      return await clearProject(this.client, this.keyPrefix, project);
    } catch (err) {
      throw this.fail(err, `clearing project "${project}"`);
    }
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OnlineStoreUnavailableError(`online store unavailable: PING got no answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    const ping = this.client.ping();
    ping.catch(() => undefined); // after a timeout nobody awaits it any more
    try {
      await Promise.race([ping, timeout]);
    } catch (err) {
      throw this.fail(err, 'PING');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Redis' run_id (see server-run.ts); undefined for a cluster, whose nodes each have their own. */
  serverRun(): Promise<string | undefined> {
    return this.cluster ? Promise.resolve(undefined) : this.records.serverRun();
  }

  async close(): Promise<void> {
    const bulk = this.bulk;
    this.bulk = undefined;
    (await bulk?.catch(() => undefined))?.close();
    // QUIT lets in-flight replies arrive; while Redis is down there is nothing to wait for.
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.client.disconnect();
  }
}

/**
 * Creates the client and the store. Unless `lazy`, waits for the first connection and rejects with
 * OnlineStoreUnavailableError when Redis does not answer (the client is then closed).
 */
export async function connectOnlineStore(options: OnlineStoreOptions): Promise<RedisOnlineStore> {
  checkKeyPrefix(options.keyPrefix);
  const client = createClient(options);
  const store = new RedisOnlineStore(client, options.keyPrefix, options);
  const connecting = client.connect();
  if (options.lazy) {
    connecting.catch(() => undefined); // the client keeps retrying; commands fail fast until it is back
    return store;
  }
  try {
    await connecting;
  } catch (err) {
    client.disconnect();
    // The URL may hold a password: name only host and port.
    throw toOnlineStoreError(err, `connecting to ${options.cluster ? 'the cluster' : redactUrl(options.url ?? '')}`);
  }
  return store;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
