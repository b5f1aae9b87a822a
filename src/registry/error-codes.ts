/**
 * Every stable error code Featureflow uses, with the HTTP status the API answers it with and whether retrying can
 * help. One table so a mistyped code is a compile error (not a silent 500), and a new code is one line here. It
 * lives in the registry, the layer everyone may import; it knows HTTP only as a number. docs/errors.md lists the
 * same codes (a unit test keeps the two equal).
 *
 * `retryable` is the default of FeatureflowError.retryable (activities fail at once when it is false).
 * `internal: true` marks codes whose messages may carry server internals (file paths, Redis replies, DuckDB text):
 * the API answers them as a generic 500 INTERNAL and logs them as bugs, whatever their status says.
 * Codes only the CLI or workflows raise still get the status they would mean over HTTP.
 */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly retryable: boolean;
  readonly internal?: boolean;
}

export const ERROR_CODES = {
  // The request or the input is wrong: fixing it is the caller's job.
  INVALID_JSON: { status: 400, retryable: false },
  INVALID_REQUEST: { status: 400, retryable: false },
  INVALID_FEATURE_REF: { status: 400, retryable: false },
  INVALID_ENTITY_KEY: { status: 400, retryable: false },
  INVALID_FEATURE_VALUE: { status: 400, retryable: false },
  INVALID_WORKFLOW_INPUT: { status: 400, retryable: false },
  INVALID_BACKFILL_INPUT: { status: 400, retryable: false },
  INVALID_HISTORY: { status: 400, retryable: false },
  END_IN_FUTURE: { status: 400, retryable: false },
  NOTHING_TO_COMPUTE: { status: 400, retryable: false },
  DRIFT_NOT_CONFIGURED: { status: 400, retryable: false },
  BAD_HTTP_REQUEST: { status: 400, retryable: false },
  USAGE: { status: 400, retryable: false },
  UNAUTHENTICATED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  REQUEST_TOO_LARGE: { status: 400, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  ROUTE_NOT_FOUND: { status: 404, retryable: false },
  VIEW_NOT_ONLINE: { status: 404, retryable: false },
  STATS_MISSING: { status: 404, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  REQUEST_TIMEOUT: { status: 408, retryable: false },
  ALREADY_RUNNING: { status: 409, retryable: false },
  DIR_NOT_EMPTY: { status: 409, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  HEADERS_TOO_LARGE: { status: 431, retryable: false },
  // Featureflow, its repo or its store is broken: a bug, a bad definition or config, damaged data. The repo is
  // validated before a server starts, so a definition problem seen while answering a request is the server's.
  INTERNAL: { status: 500, retryable: false, internal: true },
  TRANSFORM_OUT_OF_RANGE: { status: 422, retryable: false },
  TRANSFORM_FAILED: { status: 500, retryable: false },
  WORKFLOW_FAILED: { status: 500, retryable: false },
  INVALID_DEFINITION: { status: 500, retryable: false, internal: true },
  UNSAFE_SQL: { status: 500, retryable: false, internal: true },
  CONFIG_NOT_FOUND: { status: 500, retryable: false, internal: true },
  CONFIG_UNSUPPORTED: { status: 500, retryable: false, internal: true },
  CONFIG_LOAD_FAILED: { status: 500, retryable: false, internal: true },
  REGISTRY_CORRUPT: { status: 500, retryable: false, internal: true },
  STATS_CORRUPT: { status: 500, retryable: false, internal: true },
  SOURCE_ERROR: { status: 500, retryable: false, internal: true },
  ONLINE_STORE_ERROR: { status: 500, retryable: false, internal: true },
  ONLINE_VALUE_CORRUPT: { status: 500, retryable: false, internal: true },
  INVALID_WATERMARK: { status: 500, retryable: false, internal: true },
  INVALID_ONLINE_STORE_CONFIG: { status: 500, retryable: false, internal: true },
  INVALID_TEMPORAL_CONFIG: { status: 500, retryable: false, internal: true },
  INVALID_WORKER_OPTIONS: { status: 500, retryable: false, internal: true },
  MATERIALIZE_FAILED: { status: 500, retryable: true, internal: true },
  VALIDATION_FAILED: { status: 422, retryable: false },
  BACKFILL_CHUNK_FAILED: { status: 500, retryable: false, internal: true },
  FRESHNESS_CHECK_FAILED: { status: 500, retryable: false, internal: true },
  FRESHNESS_ALERT_FAILED: { status: 500, retryable: false, internal: true },
  DRIFT_CHECK_FAILED: { status: 500, retryable: false, internal: true },
  DRIFT_ALERT_FAILED: { status: 500, retryable: false, internal: true },
  DRIFT_UNAVAILABLE: { status: 500, retryable: false, internal: true },
  SEARCH_ATTRIBUTES_MISSING: { status: 500, retryable: false, internal: true },
  SEARCH_ATTRIBUTE_CONFLICT: { status: 500, retryable: false, internal: true },
  HISTORY_UNREADABLE: { status: 500, retryable: false, internal: true },
  REPLAY_SETUP: { status: 500, retryable: false, internal: true },
  INIT_FAILED: { status: 500, retryable: false, internal: true },
  OFFLINE_STORE_NOT_CONFIGURED: { status: 501, retryable: false },
  // Something Featureflow depends on failed or is busy: the same request may work later.
  ALERT_WEBHOOK_FAILED: { status: 502, retryable: true },
  ALERT_WEBHOOK_REJECTED: { status: 502, retryable: false },
  ONLINE_STORE_UNAVAILABLE: { status: 503, retryable: true },
  NOT_READY: { status: 503, retryable: true },
  OVERLOADED: { status: 503, retryable: true },
  TEMPORAL_UNAVAILABLE: { status: 503, retryable: true },
  DEV_SERVER_FAILED: { status: 503, retryable: false },
  OFFLINE_WRITE_FAILED: { status: 503, retryable: true },
  WORKER_CLOSED: { status: 503, retryable: true },
  STREAM_BROKER_UNAVAILABLE: { status: 503, retryable: true },
  STREAM_POSITION_CONFLICT: { status: 409, retryable: true },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** For codes that come from outside the type system (a Temporal failure's type, a stored reply). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

export function errorCodeInfo(code: ErrorCode): ErrorCodeInfo {
  return ERROR_CODES[code];
}
