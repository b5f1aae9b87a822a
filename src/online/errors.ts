/**
 * Errors of the online store. Each has a stable code so the API maps it to an HTTP status (400, 503, 500) and
 * activities decide retry without matching messages.
 */
import { FeatureflowError } from '../registry/errors.js';

/** An entity value does not fit its join key (wrong type, missing, ragged columns): the request is bad (400). */
export class InvalidEntityKeyError extends FeatureflowError {
  constructor(message: string) {
    super('INVALID_ENTITY_KEY', message);
  }
}

/** A feature value does not fit its dtype, so it cannot be encoded for the online store. */
export class InvalidFeatureValueError extends FeatureflowError {
  constructor(message: string) {
    super('INVALID_FEATURE_VALUE', message);
  }
}

/**
 * Redis did not answer (down, restarting, timed out). Retryable: the store reconnects by itself in the background,
 * so the API answers 503 meanwhile and activities retry.
 */
export class OnlineStoreUnavailableError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ONLINE_STORE_UNAVAILABLE', message, options);
  }
}

/** Redis answered with an error that retrying will not fix (wrong key type, script error, ...). */
export class OnlineStoreError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ONLINE_STORE_ERROR', message, options);
  }
}

/** A watermark to store is not well formed (times must be ISO-8601 instants). */
export class InvalidWatermarkError extends FeatureflowError {
  constructor(message: string) {
    super('INVALID_WATERMARK', message);
  }
}

/** connectOnlineStore() was given options it cannot work with (no URL, a key prefix with braces, ...). */
export class InvalidOnlineStoreConfigError extends FeatureflowError {
  constructor(message: string) {
    super('INVALID_ONLINE_STORE_CONFIG', message);
  }
}

/** A stored value or schema key is not in our layout (written by something else, or truncated). */
export class CorruptOnlineValueError extends FeatureflowError {
  constructor(message: string) {
    super('ONLINE_VALUE_CORRUPT', message);
  }
}

// Reply errors that mean "the server is not ready yet", not "your command is wrong".
const TRANSIENT_REPLIES = /^(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

/**
 * Maps whatever ioredis threw to one of ours. Anything that is not a Redis reply (connection closed, offline queue
 * disabled, max retries, command timeout, cluster has no node) means Redis is unreachable.
 */
export function toOnlineStoreError(err: unknown, doing: string): FeatureflowError {
  if (err instanceof FeatureflowError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const isReply = err instanceof Error && err.name === 'ReplyError';
  if (isReply && !TRANSIENT_REPLIES.test(message)) {
    return new OnlineStoreError(`online store: ${doing} failed: ${message}`, { cause: err });
  }
  return new OnlineStoreUnavailableError(`online store unavailable: ${doing} failed: ${message}`, { cause: err });
}
