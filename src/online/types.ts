/**
 * The online store's contract: what materialization writes and what the API reads. Kept narrow on purpose (Feast's
 * online-store interface, not its provider layer): write encoded rows newer-wins, read many entities x many views.
 *
 * Redis layout (documented for other tools in the README):
 *   row key     <keyPrefix>:<project>:{<entityKey>}:<view>      one string per (view, entity); the hash tag puts
 *                                                               every view of one entity key in one cluster slot
 *   row value   <eventMicros>,<createdMicros>,<schemaId>;<payload>
 *               eventMicros/createdMicros: epoch microseconds (createdMicros empty when the source has none);
 *               schemaId: id of the feature list the payload follows (see schema key); payload: a JSON array, one
 *               element per feature in that list, in the JSON form the HTTP API returns (see value-codec.ts)
 *   schema key  <keyPrefix>:<project>:__schema:<view>:<schemaId>  JSON array of the feature names, no expiry
 *   watermarks  <keyPrefix>:<project>:__materialized (hash)       field <view> -> JSON Watermark
 *   freshness   <keyPrefix>:<project>:__freshness (hash)          field <view> -> JSON FreshnessCheck (last check)
 *   alerts      <keyPrefix>:<project>:__alerts (hash)             field <view> -> JSON AlertState (last alert sent)
 *   drift       <keyPrefix>:<project>:__drift (hash)              field <view> -> JSON DriftRecord (latest report)
 *   drift alerts <keyPrefix>:<project>:__drift_alerts (hash)      field <view> -> JSON DriftAlertRecord (last sent)
 * Expiry: PXAT eventMicros/1000 + ttl*1000 when the view has a TTL; none otherwise.
 *
 * entityKey: the values of the view's join keys, in the view's join-key order, joined by ",", each encoded as
 *   i<decimal>      integers (int32/int64)
 *   s<text>         strings made only of [A-Za-z0-9_.-]
 *   h<hex>          any other string: lowercase hex of its UTF-8 bytes
 *   b0 | b1         booleans
 *   t<micros>       timestamps (epoch microseconds)
 *   x<hex>          bytes, lowercase hex
 *   f<decimal>      floats (shortest round-trip decimal)
 * so 1 and "1" differ (i1, s1) and no two composite keys collide (values never contain "," or "}").
 */
import type { DriftLevel, DriftReport } from '../engine/stats/types.js';
import type { FrameBatch, RowFrameTemplate } from '../engine/row-frames.js';
import type { Dtype } from '../registry/dtypes.js';
import type { StoredStreamState } from './stream-tiles.js';
import type { TileKind } from './tile-codec.js';

/** What the online store needs to know about a view to write and read it. */
export interface ViewLayout {
  project: string;
  view: string;
  /** The view's features in registry order: the order of the payload array. */
  features: readonly string[];
  dtypes: readonly (Dtype | undefined)[];
  joinKeys: readonly string[];
  /** Declared key types (from the entities' valueType), undefined where the entity declares none. */
  keyTypes: readonly (Dtype | undefined)[];
  /** 0 means no TTL (no expiry, never OUTSIDE_MAX_AGE). */
  ttlSeconds: number;
  /** Set for a view on a stream source: its values are merged from its tiles at read time, not stored rows. */
  stream?: StreamLayout;
}

/** How a stream view's features are read from its tiles (keys.ts streamTilesKey, stream-read.ts). */
export interface StreamLayout {
  tileMicros: number;
  /** The function of each feature in view.aggregation.features order (the order of a tile field's states). */
  kinds: readonly TileKind[];
  /** The view's windows in aggregation.windows order, in microseconds. */
  windowMicros: readonly number[];
  /** Per entry of ViewLayout.features: its aggregation feature (index into kinds) and window (into windowMicros). */
  columns: ReadonlyArray<{ feature: number; window: number }>;
  /**
   * view.freshness.maxStaleness in ms, 0 when none: every value is OUTSIDE_MAX_AGE while the consumer was last caught
   * up longer ago than this (or never ran).
   */
  maxStalenessMs: number;
}

/** One row ready to write; produced by DuckDB during materialization or by encodeRow() in JS. */
export interface EncodedRow {
  /**
   * The encoded entity key (`i42`, `i42,sabc`: the entityKey format above), NOT the Redis key: the store adds
   * `<keyPrefix>:<project>:{...}:<view>` itself (keys.ts), so writers need not know the prefix. writeRows rejects a
   * key holding braces (a full Redis key passed by mistake).
   */
  key: string;
  eventMicros: number;
  /** null when the source has no created timestamp. */
  createdMicros: number | null;
  /** JSON array text of the feature values, in ViewLayout.features order. */
  payload: string;
}

export interface WriteResult {
  /** Keys written (new, or newer than what was stored). */
  written: number;
  /** Keys left alone because the stored (event, created) time was the same or newer. */
  skippedOlder: number;
  /** Rows not written because their TTL had already run out (they would expire at once). */
  skippedExpired: number;
}

export type FeatureStatus = 'PRESENT' | 'NOT_FOUND' | 'NULL_VALUE' | 'OUTSIDE_MAX_AGE';

/** A value as the HTTP API returns it: int64 beyond 2^53 and special floats as strings, bytes base64. */
export type JsonValue = null | boolean | number | string | JsonValue[];

export interface OnlineReadRequest {
  /** Columnar entity values as the API receives them: join key -> one value per entity row. */
  entities: Readonly<Record<string, readonly unknown[]>>;
  /** Requested features in output order. */
  features: ReadonlyArray<{ layout: ViewLayout; feature: string }>;
  /** "Now" for OUTSIDE_MAX_AGE, in epoch ms; defaults to Date.now(). */
  nowMs?: number;
}

export interface FeatureColumn {
  values: JsonValue[];
  statuses: FeatureStatus[];
  /** Epoch microseconds of each value's event time; 0 when NOT_FOUND. */
  eventMicros: number[];
}

export interface Watermark {
  /** End (exclusive) of the last successful materialization, ISO-8601 UTC. */
  end: string;
  /** When it finished, ISO-8601 UTC. */
  at: string;
  /** Newest event time written so far, ISO-8601 UTC (for freshness), if any row was written. */
  newestEvent?: string;
}

/** How a finished materialization run moves its view's watermark (see lua/advance-watermark.lua). */
export interface WatermarkAdvance {
  /** `record` for a materialization run; `advance` for a backfill chunk, which never records a first watermark. */
  mode: 'record' | 'advance';
  /** Start of the run's range, ISO-8601; absent when it had none (an incremental run over a view with no rows). */
  start?: string | undefined;
  /** End (exclusive) of the run's range, ISO-8601. */
  end: string;
  /** Newest event time written, ISO-8601, if any. */
  newestEvent?: string | undefined;
  /** When the run finished, ISO-8601. */
  at: string;
  /**
   * OnlineStore.serverRun() taken before the run's first write. When the server is another process now (it
   * restarted, and may have lost rows the run wrote), the store refuses the update with a retryable
   * OnlineStoreUnavailableError, so the run is redone instead of vouching for rows that are gone.
   */
  serverRun?: string | undefined;
}

export type FreshnessStatus = 'fresh' | 'stale' | 'unknown';

/** The last freshness check of a view, as the checkFreshness workflow recorded it. */
export interface FreshnessCheck {
  status: FreshnessStatus;
  stalenessSeconds: number | null;
  checkedAt: string;
}

/** The last alert sent for a view: `stale` for a breach, `fresh` for a recovery. */
export interface AlertState {
  status: 'stale' | 'fresh';
  at: string;
}

/** A view's latest drift report, as the checkDrift workflow stored it, and when it was checked. */
export interface DriftRecord {
  checkedAt: string;
  report: DriftReport;
}

/** The last drift alert sent for a view: the level it announced (`ok` for a recovery). */
export interface DriftAlertRecord {
  level: DriftLevel;
  at: string;
}

export interface OnlineStore {
  /** Records the feature list a payload follows; call once per view before writing its rows. */
  registerLayout(layout: ViewLayout): Promise<string>;
  /** Writes rows of one view, newer-wins and atomic per key; safe to retry and to run out of order. */
  writeRows(layout: ViewLayout, schemaId: string, rows: readonly EncodedRow[]): Promise<WriteResult>;
  /**
   * The bytes of one row's write, for the engine to render many rows at once (engine/row-frames.ts); undefined when
   * this store cannot take rendered rows (then materialization uses writeRows). `nowMs`: rows expiring by then are
   * left out.
   */
  rowFrameTemplate?(layout: ViewLayout, schemaId: string, nowMs: number): RowFrameTemplate | undefined;
  /** Writes a group rendered from rowFrameTemplate(), with writeRows' semantics. */
  writeFrames?(layout: ViewLayout, batch: FrameBatch): Promise<WriteResult>;
  /** One round trip for many entities x many views; one column per requested feature. */
  read(request: OnlineReadRequest): Promise<FeatureColumn[]>;
  getWatermark(project: string, view: string): Promise<Watermark | undefined>;
  /** Every view's watermark of a project, in one round trip. */
  getWatermarks(project: string): Promise<Map<string, Watermark>>;
  /** Overwrites a watermark (tools and tests); materialization uses advanceWatermark. */
  setWatermark(project: string, view: string, watermark: Watermark): Promise<void>;
  /**
   * Moves a watermark forward only, atomically against concurrent runs; returns the stored watermark afterwards
   * (undefined when mode `advance` found none to move).
   */
  advanceWatermark(project: string, view: string, advance: WatermarkAdvance): Promise<Watermark | undefined>;
  /** Which server process writes go to now (Redis' run_id, new at every start); undefined when it cannot tell. */
  serverRun?(): Promise<string | undefined>;
  /** The last freshness check and the last alert of every view of a project. */
  getFreshnessRecords(project: string): Promise<{ checks: Map<string, FreshnessCheck>; alerts: Map<string, AlertState> }>;
  recordFreshnessChecks(project: string, checks: ReadonlyMap<string, FreshnessCheck>): Promise<void>;
  recordAlert(project: string, view: string, alert: AlertState): Promise<void>;
  /** The latest drift report and the last drift alert of every view of a project. */
  getDriftRecords(project: string): Promise<{ reports: Map<string, DriftRecord>; alerts: Map<string, DriftAlertRecord> }>;
  recordDriftReports(project: string, reports: ReadonlyMap<string, DriftRecord>): Promise<void>;
  recordDriftAlert(project: string, view: string, alert: DriftAlertRecord): Promise<void>;
  /**
   * The ingestion state of stream views (stream-tiles.ts), in one round trip; views without state yet are left out.
   * Optional: freshness and /metrics do without it for stores that have no stream views.
   */
  getStreamStates?(project: string, views: readonly string[]): Promise<Map<string, StoredStreamState>>;
  /** Resolves when Redis answers; rejects (OnlineStoreUnavailableError) when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
