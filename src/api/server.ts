/**
 * The HTTP server on plain `node:http`: routing, the error -> response mapping, metrics, timeouts and graceful
 * close. A framework would add per-request overhead to a hot path that is otherwise one Redis round trip.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { viewLayout } from '../online/layout.js';
import type { OnlineStore } from '../online/types.js';
import type { Repo } from '../registry/schema.js';
import { authorizeRoute } from './auth/guard.js';
import type { TokenSource } from './auth/token-source.js';
import { answerTooLarge, BodyBudget, ClientGoneError, UploadCutError } from './body.js';
import { capConnections } from './connection-cap.js';
import { DEFAULT_LIMITS, type ApiContext, type Reply, type ServerLimits } from './context.js';
import { FairGate } from './fair-gate.js';
import { wasHeadRequest } from './head-request.js';
import { errorBody, errorReply, MethodNotAllowedError, PayloadTooLargeError, RouteNotFoundError } from './errors.js';
import { errorFields, stderrLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { workerMetrics, type WorkerChannel } from './cluster-metrics.js';
import { OfflineEngine, OfflineStoreNotConfiguredError } from './offline-engine.js';
import { OnlinePlanner } from './online-plan.js';
import { findRoute, pathOf, ROUTES } from './routes/index.js';
import { ServedLog, type ServedLogOptions } from './served-log.js';
import type { WorkflowStarter } from './workflow-starter.js';

export interface ServerDeps {
  repo: Repo;
  store: OnlineStore;
  /** The repo's folder (relative offline paths start there); without it, pushes to the offline store are refused. */
  repoDir?: string;
  logger?: Logger;
  limits?: Partial<ServerLimits>;
  /** Starts workflows for /materialize*; the caller owns it (the server does not close it). */
  workflows?: WorkflowStarter;
  /** API tokens; without them auth is off (development). The caller owns the source (reload, close). */
  auth?: TokenSource | undefined;
  /** PEM certificate chain and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** Feature services whose served values are logged for `featureflow skew` (needs repoDir). */
  logServed?: Pick<ServedLogOptions, 'targets' | 'capacityRows' | 'flushIntervalMs' | 'now'> | undefined;
  /** In a `serve --workers` worker, its IPC channel (`process`): /metrics then answers the sum of every worker. */
  clusterChannel?: WorkerChannel | undefined;
}

export interface ServerAddress {
  host: string;
  port: number;
  url: string;
}

export interface ApiServer {
  listen(port?: number, host?: string): Promise<ServerAddress>;
  /** Stops accepting, lets in-flight requests finish (up to limits.shutdownTimeoutMs), closes every socket. */
  close(): Promise<void>;
  address(): ServerAddress;
  /** The underlying node:http server (tests poke at sockets). */
  readonly http: http.Server;
  readonly metrics: Metrics;
  /** Writes the queued serving log rows now (they are written every few seconds anyway, and on close). */
  flushServedLog(): Promise<void>;
}

/** Label for requests matching no route, so random URLs cannot blow up the metrics' cardinality. */
const UNMATCHED = 'unmatched';
const STORE_ERROR_LOG_EVERY_MS = 5000;
/** After answering a malformed or timed-out request, how long the client may take to close before we do. */
const CLIENT_ERROR_GRACE_MS = 1000;
const KNOWN_PATHS = [...ROUTES.keys()];

/** node:http, or node:https when given a certificate: the same options and handler either way. */
function serverFactory(tls: ServerDeps['tls']): (options: http.ServerOptions, listener: http.RequestListener) => http.Server {
  if (!tls) return (options, listener) => http.createServer(options, listener);
  return (options, listener) => https.createServer({ ...options, cert: tls.cert, key: tls.key }, listener);
}

export function createServer(deps: ServerDeps): ApiServer {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const logger = deps.logger ?? stderrLogger;
  const metrics = new Metrics();
  let closing = false;
  let lastStoreErrorLogMs = 0;
  const offline = new OfflineEngine(deps.repo, deps.repoDir);
  const servedLog = openServedLog(deps, offline, metrics, logger);
  const clusterMetrics = deps.clusterChannel ? workerMetrics(metrics, deps.clusterChannel) : undefined;
  const ctx: ApiContext = {
    repo: deps.repo,
    store: deps.store,
    planner: new OnlinePlanner(deps.repo, viewLayout),
    metrics,
    collectMetrics: clusterMetrics?.collect ?? (() => Promise.resolve(metrics.snapshot())),
    limits,
    logger,
    workflows: deps.workflows,
    repoDir: deps.repoDir,
    offline,
    servedLog,
    reads: new FairGate({
      slots: limits.maxInFlightReads,
      perClientQueue: limits.maxQueuedReadsPerClient,
      totalQueue: limits.maxConnections,
      maxWaitMs: limits.readQueueWaitMs,
      onRefuse: (reason) => metrics.rejected(reason === 'client_queue' ? 'client_read_queue' : reason === 'queue' ? 'read_queue' : 'read_wait'),
    }),
    bodies: new BodyBudget(limits.maxBufferedBodyBytes),
    isClosing: () => closing,
  };

  const server = serverFactory(deps.tls)(
    {
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks headersTimeout/requestTimeout; its 30 s default would let a stalled upload overrun
      // a short requestTimeout by up to that much.
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs, limits.headersTimeoutMs),
    },
    (req, res) => {
      if (connections.refused(res)) return;
      // Nothing thrown or rejected in a request may reach the process: handle() catches everything it can, and
      // this catches a failure to even write the error response.
      handle(req, res).catch((err: unknown) => {
        logger.error('request failed while answering', errorFields(err));
        res.destroy();
      });
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.on('clientError', onClientError);
  const connections = capConnections(server, limits.maxConnections, metrics);
  metrics.openConnections = () => connections.open;
  metrics.watchEventLoop();
  // `Expect: 100-continue` (curl sends it for bodies over 1 KiB): only invite the body when it may be accepted, so
  // an oversized upload is refused before it is sent at all.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > limits.maxBodyBytes)) res.writeContinue();
    server.emit('request', req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    metrics.requestStarted();
    const path = pathOf(req.url);
    const route = findRoute(path);
    let status = 500;
    try {
      // Before anything else (even a 404), so nothing about the server is revealed without a token.
      authorizeRoute(deps.auth, req, route?.path);
      if (!route) throw new RouteNotFoundError(path, KNOWN_PATHS);
      const handler = route.methods[req.method ?? ''];
      if (!handler) throw new MethodNotAllowedError(req.method ?? '', path, route.allow);
      status = send(res, await handler(req, ctx));
    } catch (err) {
      status = await sendError(req, res, err, route?.path ?? UNMATCHED);
    } finally {
      metrics.requestFinished(route?.path ?? UNMATCHED, req.method ?? '', status, (performance.now() - started) / 1000);
    }
  }

  function send(res: ServerResponse, reply: Reply): number {
    if (res.destroyed) return 499;
    const headers: Record<string, string | number> = {
      'Content-Type': reply.contentType,
      'Content-Length': Buffer.byteLength(reply.body),
      ...reply.headers,
    };
    // While closing, every answer ends its connection, so keep-alive clients move to another server.
    if (closing) headers.Connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return reply.status;
  }

  async function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, route: string): Promise<number> {
    // 499: nginx's "client closed request"; only ever a metrics label, nobody receives it.
    if (err instanceof ClientGoneError || res.destroyed) return 499;
    if (err instanceof PayloadTooLargeError) {
      await answerTooLarge(req, res, err, limits);
      return 413;
    }
    if (err instanceof UploadCutError) return answerCutUpload(res, err);
    const reply = errorReply(err);
    if (reply.code === 'REQUEST_TOO_LARGE' && limits.tooLargeAnswerDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, limits.tooLargeAnswerDelayMs));
    }
    if (reply.isBug || reply.status === 500) logger.error('request failed', { route, method: req.method, ...errorFields(err) });
    else if (reply.code === 'ONLINE_STORE_UNAVAILABLE' && Date.now() - lastStoreErrorLogMs > STORE_ERROR_LOG_EVERY_MS) {
      // Clients get a generic message; the details go to the log, once every few seconds during an outage.
      lastStoreErrorLogMs = Date.now();
      logger.error('online store unavailable', { route, ...errorFields(err) });
    }
    if (res.headersSent) {
      res.destroy();
      return reply.status;
    }
    return send(res, { status: reply.status, body: errorBody(reply.code, reply.message), contentType: 'application/json', headers: reply.headers });
  }

  // A stalled, too slow or over-budget upload: answer (408 or 503) and close the socket once the answer is written,
  // whatever the client does (it may never read it nor close its side), so the connection and its bytes are freed.
  function answerCutUpload(res: ServerResponse, err: UploadCutError): number {
    metrics.rejected(err.reason);
    const reply = errorReply(err);
    if (res.headersSent) {
      res.destroy();
      return reply.status;
    }
    const body = errorBody(reply.code, reply.message);
    res.writeHead(reply.status, { ...reply.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    const socket = res.socket;
    res.end(body, () => socket?.destroySoon());
    return reply.status;
  }

  // Errors before a request exists (malformed request line or headers, header/request timeouts, resets). Node's
  // default answers plain text; we answer the same JSON as everywhere else, or just close when it is too late.
  function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const inProgress = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    if (inProgress && !inProgress.writableEnded) {
      // The bad bytes came after a request still being answered on this socket: an error answered now would reach
      // the client as the answer to that request (and its own answer after it). Let that answer go out whole, as the
      // connection's last, then close.
      inProgress.shouldKeepAlive = false;
      inProgress.once('finish', () => socket.destroySoon());
      inProgress.once('close', () => socket.destroy());
      return;
    }
    metrics.requestStarted();
    metrics.requestFinished(UNMATCHED, '', status, 0);
    const code = status === 408 ? 'REQUEST_TIMEOUT' : status === 431 ? 'HEADERS_TOO_LARGE' : 'BAD_HTTP_REQUEST';
    // No body for HEAD (RFC 9110 9.3.2): the client would read it as the start of a next answer and fail.
    const body = wasHeadRequest(err) ? '' : errorBody(code, `malformed or incomplete HTTP request (${err.code ?? err.message})`);
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // end only half-closes: a client that never closes its side (slowloris) would keep the socket, and any body
    // bytes read so far, for as long as it likes. Closing at once could reset the connection before a client still
    // sending has read this answer, so it gets a moment first.
    const grace = setTimeout(() => socket.destroy(), CLIENT_ERROR_GRACE_MS);
    grace.unref();
    socket.once('close', () => clearTimeout(grace));
  }

  let bound: ServerAddress | undefined;
  let closingDone: Promise<void> | undefined;

  async function closeGracefully(): Promise<void> {
    closing = true;
    metrics.unwatchEventLoop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Idle keep-alive sockets would otherwise hold close() until their keepAliveTimeout.
    server.closeIdleConnections();
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed: closing connections with requests still in flight');
      server.closeAllConnections();
    }, limits.shutdownTimeoutMs);
    deadline.unref();
    try {
      await closed;
    } finally {
      clearTimeout(deadline);
      clusterMetrics?.close();
      // After every request finished (or was cut off): nothing is logged any more, then no push is using DuckDB.
      await servedLog?.close();
      await ctx.offline.close();
    }
  }

  return {
    http: server,
    metrics,
    listen(port = 6566, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const info = server.address() as AddressInfo;
          const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          bound = { host: info.address, port: info.port, url: `${deps.tls ? 'https' : 'http'}://${shownHost}:${info.port}` };
          resolve(bound);
        });
      });
    },
    flushServedLog() {
      return servedLog ? servedLog.flush() : Promise.resolve();
    },
    address() {
      if (!bound) throw new Error('the server is not listening yet');
      return bound;
    },
    close() {
      closingDone ??= closeGracefully();
      return closingDone;
    },
  };
}

function openServedLog(deps: ServerDeps, offline: OfflineEngine, metrics: Metrics, logger: Logger): ServedLog | undefined {
  const targets = deps.logServed?.targets ?? [];
  if (targets.length === 0) return undefined;
  if (deps.repoDir === undefined) throw new OfflineStoreNotConfiguredError();
  const log = new ServedLog({ ...deps.logServed, repo: deps.repo, targets, engine: () => offline.get(), metrics, logger });
  log.start();
  return log;
}
