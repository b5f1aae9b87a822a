/** What every route handler gets, and what it returns: handlers build a Reply, the server writes it. */
import type { IncomingMessage } from 'node:http';
import type { OnlineStore } from '../online/types.js';
import type { Repo } from '../registry/schema.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { OfflineEngine } from './offline-engine.js';
import type { OnlinePlanner } from './online-plan.js';
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
  /** Time allowed to receive a whole request (headers and body). */
  requestTimeoutMs: number;
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
  storeTimeoutMs: 2_000,
  shutdownTimeoutMs: 10_000,
};

export interface ApiContext {
  repo: Repo;
  store: OnlineStore;
  planner: OnlinePlanner;
  metrics: Metrics;
  limits: ServerLimits;
  logger: Logger;
  /** Starts workflows for /materialize*; absent when the server runs without Temporal (those routes answer 503). */
  workflows?: WorkflowStarter | undefined;
  /** The repo's folder, where the stored registry (and its history) is found; absent for servers built without it. */
  repoDir?: string | undefined;
  /** DuckDB for pushes with `to: offline`, opened on first use; refuses when the server has no repo folder. */
  offline: OfflineEngine;
  /** True once close() started: readiness fails so load balancers stop sending traffic. */
  isClosing(): boolean;
}

export interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export type Handler = (req: IncomingMessage, ctx: ApiContext) => Promise<Reply> | Reply;

export function jsonReply(status: number, body: string, headers?: Record<string, string>): Reply {
  return { status, body, contentType: 'application/json', ...(headers ? { headers } : {}) };
}
