import { FeatureflowError } from '../registry/errors.js';

/** The request cannot work as asked (missing entity column, name clash, bad input file): not retryable. */
export class InvalidRequestError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_REQUEST', message, options);
  }
}

/** A source could not be read or a query over it failed; carries which source and DuckDB's own message. */
export class SourceError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super('SOURCE_ERROR', message, options);
  }
}

/** DuckDB's error text without the stack, for messages that name what we were doing. */
export function duckdbMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
