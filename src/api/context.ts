/** What every route handler gets, and what it returns: handlers build a Reply, the server writes it. */
import type { IncomingMessage } from 'node:http';
import type { OnlineStore } from '../online/types.js';
import type { Repo } from '../registry/schema.js';
import type { FairGate } from './fair-gate.js';
import type { BodyBudget } from './body.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { MetricsSnapshot } from './metrics-render.js';
import type { OfflineEngine } from './offline-engine.js';
import type { OnlinePlanner } from './online-plan.js';
import type { ServedLog } from './served-log.js';
import type { WorkflowStarter } from './workflow-starter.js';

export interface ServerLimits {
  /** Largest request body accepted (bytes); larger ones get 413. */
  maxBodyBytes: number;
  /** After a 413, bytes of the rest of the upload read and discarded before the socket is closed anyway. */
  drainMaxBytes: number;
  /** After a 413, how long the rest of the upload is read before the socket is closed anyway. */
  drainTimeoutMs: number;
  /** Idle time before a keep-alive socket is closed; above common load balancer idle timeouts (60 s). */
  keepAliveTimeoutMs: number;
  /** Time allowed to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time allowed to receive a whole request (headers and body); enforced by our own timer for the body too. */
  requestTimeoutMs: number;
  /** A request body with no bytes for this long is cut off (408), so a stalled upload does not hold its memory. */
  bodyIdleTimeoutMs: number;
  /** Bytes of request bodies being received at once, all connections together; an upload past it is cut (503). */
  maxBufferedBodyBytes: number;
  /** Open connections beyond this are answered a short 503 and closed. */
  maxConnections: number;
  /**
   * /get-online-features requests worked on at once (body received); more wait for a slot, which goes round-robin
   * between clients (fair-gate.ts), so one client's flood cannot push others' reads to the back.
   */
  maxInFlightReads: number;
  /** Reads one client (its token's name, else its address) may have waiting for a slot; more are answered 503. */
  maxQueuedReadsPerClient: number;
  /** Longest a read waits for a slot before it is answered 503. */
  readQueueWaitMs: number;
  /**
   * A request refused as too large (REQUEST_TOO_LARGE) is answered this late. Receiving and counting a big body is
   * the server's CPU; a client resending one in a loop would take it from everyone else (measured: others' p99 from
   * 5 to 23 ms), while a client that made a one-off mistake loses nothing worth mentioning.
   */
  tooLargeAnswerDelayMs: number;
  /** Largest entities x features of one /get-online-features request; more is a 400 REQUEST_TOO_LARGE. */
  maxValuesPerRequest: number;
  /** Largest number of rows of one /push or /write-to-online-store request; more is a 400 REQUEST_TOO_LARGE. */
  maxRowsPerWrite: number;
  /**
   * Entities x features read per store call: bigger requests are read in slices of about this size, yielding to
   * other requests in between, so one big request never holds the event loop for long (about 1-2 ms per slice).
   */
  readSliceValues: number;
  /** An online store read or ping taking longer than this is answered 503. */
  storeTimeoutMs: number;
  /** close(): in-flight requests get this long to finish before their sockets are closed. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 1024 * 1024,
  drainMaxBytes: 64 * 1024 * 1024,
  drainTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 66_000,
  requestTimeoutMs: 30_000,
  bodyIdleTimeoutMs: 10_000,
  maxBufferedBodyBytes: 128 * 1024 * 1024,
  maxConnections: 1024,
  maxInFlightReads: 16,
  maxQueuedReadsPerClient: 64,
  readQueueWaitMs: 1_000,
  tooLargeAnswerDelayMs: 250,
  maxValuesPerRequest: 100_000,
  maxRowsPerWrite: 10_000,
  readSliceValues: 1_000,
  storeTimeoutMs: 2_000,
  shutdownTimeoutMs: 10_000,
};

export interface ApiContext {
  repo: Repo;
  store: OnlineStore;
  planner: OnlinePlanner;
  metrics: Metrics;
  /** What /metrics renders: this process's snapshot, or with `--workers` the sum of every worker's. */
  collectMetrics(): Promise<MetricsSnapshot>;
  limits: ServerLimits;
  logger: Logger;
  /** Starts workflows for /materialize*; absent when the server runs without Temporal (those routes answer 503). */
  workflows?: WorkflowStarter | undefined;
  /** The repo's folder, where the stored registry (and its history) is found; absent for servers built without it. */
  repoDir?: string | undefined;
  /** DuckDB for pushes with `to: offline`, opened on first use; refuses when the server has no repo folder. */
  offline: OfflineEngine;
  /** Admission of /get-online-features requests past their body (limits.maxInFlightReads). */
  reads: FairGate;
  /** Bytes of request bodies being received now (limits.maxBufferedBodyBytes). */
  bodies: BodyBudget;
  /** The serving log (`serve --log-served`), when some feature service is logged. */
  servedLog?: ServedLog | undefined;
  /** True once close() started: readiness fails so load balancers stop sending traffic. */
  isClosing(): boolean;
}

export interface Reply {
  status: number;
  /** Text, or bytes already encoded (big responses are encoded a slice at a time). */
  body: string | Buffer;
  contentType: string;
  headers?: Record<string, string>;
}

export type Handler = (req: IncomingMessage, ctx: ApiContext) => Promise<Reply> | Reply;

export function jsonReply(status: number, body: string | Buffer, headers?: Record<string, string>): Reply {
  return { status, body, contentType: 'application/json', ...(headers ? { headers } : {}) };
}
