/**
 * The API's error classes and the one table that maps every stable error code to its HTTP status. Errors raised
 * below the API (registry, online store) keep their own classes and codes; only this table knows about HTTP, so a
 * new code is one line here, and anything not listed is a bug (500, logged).
 */
import { FeatureflowError } from '../registry/errors.js';

/** The request is malformed or asks for something impossible; the message names the offending field. */
export class BadRequestError extends FeatureflowError {
  constructor(message: string, code: 'INVALID_JSON' | 'INVALID_REQUEST' = 'INVALID_REQUEST') {
    super(code, message);
  }
}

export class PayloadTooLargeError extends FeatureflowError {
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}

export class RouteNotFoundError extends FeatureflowError {
  constructor(path: string, known: readonly string[]) {
    super('ROUTE_NOT_FOUND', `no route ${JSON.stringify(path)}; routes: ${known.join(', ')}`);
  }
}

export class MethodNotAllowedError extends FeatureflowError {
  readonly allow: readonly string[];

  constructor(method: string, path: string, allow: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${path} does not accept ${method}; use ${allow.join(' or ')}`);
    this.allow = allow;
  }
}

/**
 * A feature of a view declared `online: false` was requested. Feast treats such a view as absent from online
 * serving, so this is a 404 (with its own code, so clients can tell it from a typo).
 */
export class ViewNotOnlineError extends FeatureflowError {
  constructor(view: string) {
    super('VIEW_NOT_ONLINE', `feature view "${view}" is not served online (it is declared with online: false)`);
  }
}

/** The server is shutting down or its store is not reachable: try again (elsewhere). */
export class NotReadyError extends FeatureflowError {
  constructor(message: string) {
    super('NOT_READY', message, { retryable: true });
  }
}

/** Workflows cannot be started: no Temporal connection configured, or the server is unreachable. */
export class TemporalUnavailableError extends FeatureflowError {
  constructor(message: string) {
    super('TEMPORAL_UNAVAILABLE', message, { retryable: true });
  }
}

/** Appending pushed rows to the offline store failed (disk, DuckDB): nothing was published, try again. */
export class OfflineWriteError extends FeatureflowError {
  constructor(message: string, cause: unknown) {
    super('OFFLINE_WRITE_FAILED', message, { retryable: true, cause });
  }
}

/** code -> HTTP status. Codes missing here are answered 500 and logged as bugs. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  INVALID_FEATURE_REF: 400,
  INVALID_ENTITY_KEY: 400,
  INVALID_WORKFLOW_INPUT: 400,
  NOT_FOUND: 404,
  VIEW_NOT_ONLINE: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  OFFLINE_STORE_NOT_CONFIGURED: 501,
  ONLINE_STORE_UNAVAILABLE: 503,
  NOT_READY: 503,
  TRANSFORM_FAILED: 500,
  TRANSFORM_OUT_OF_RANGE: 422,
  TEMPORAL_UNAVAILABLE: 503,
  OFFLINE_WRITE_FAILED: 503,
};

export interface ErrorReply {
  status: number;
  code: string;
  message: string;
  /** Extra response headers (Allow on 405, Retry-After on 503). */
  headers: Record<string, string>;
  /** True when the error is not a client's or an outage's fault: log it with its stack. */
  isBug: boolean;
}

export const STORE_UNAVAILABLE_MESSAGE = 'the online store is unavailable right now (the server logged why); try again shortly';

/** How an error is answered. Internal details of unexpected errors never reach the client. */
export function errorReply(err: unknown): ErrorReply {
  if (err instanceof FeatureflowError) {
    const status = STATUS_BY_CODE[err.code];
    if (status !== undefined && err.code === 'ONLINE_STORE_UNAVAILABLE') {
      // The store's own message names hosts, ports and client internals: for the log (server.ts), not for clients.
      return { status, code: err.code, message: STORE_UNAVAILABLE_MESSAGE, headers: { 'Retry-After': '1' }, isBug: false };
    }
    if (status !== undefined) {
      const headers: Record<string, string> = {};
      if (err instanceof MethodNotAllowedError) headers.Allow = err.allow.join(', ');
      if (status === 503) headers['Retry-After'] = '1';
      return { status, code: err.code, message: err.message, headers, isBug: false };
    }
  }
  return {
    status: 500,
    code: 'INTERNAL',
    message: 'internal error: the server logged the details',
    headers: {},
    isBug: true,
  };
}

/** The JSON error body every error response carries: `{ "error": { "code", "message" } }`. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
