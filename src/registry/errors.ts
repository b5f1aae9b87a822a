/**
 * Every error Featureflow raises on purpose is a FeatureflowError with a stable `code` from ERROR_CODES
 * (error-codes.ts), so the API maps it to an HTTP status and activities mark it non-retryable without string
 * matching. The base lives in the registry because the registry is the one layer every other layer may import.
 */
import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';

export interface FeatureflowErrorOptions {
  cause?: unknown;
  /**
   * Overrides the code's retryability from ERROR_CODES. Only for codes that are legitimately both: SOURCE_ERROR
   * (reading a bad source vs a failed write) and the summary of several failed views (retryable when any is).
   */
  retryable?: boolean;
}

export class FeatureflowError extends Error {
  readonly code: ErrorCode;
  /** False when retrying cannot help (bad input or definition), so activities fail without retry. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: FeatureflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    // isErrorCode: a code cast from outside (a Temporal failure's type) must not make the error itself throw.
    this.retryable = options.retryable ?? (isErrorCode(code) && ERROR_CODES[code].retryable);
  }
}

export interface ValidationIssue {
  /** Where the problem is, e.g. `featureViews[0].ttl`. */
  path: string;
  message: string;
}

/** A repo (or another outside input) failed validation; carries every problem found, not only the first. */
export class ValidationError extends FeatureflowError {
  readonly issues: ValidationIssue[];

  constructor(what: string, issues: ValidationIssue[]) {
    const lines = issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`);
    super('INVALID_DEFINITION', `${what} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

/** A name that should exist in the registry does not (unknown view, feature or service). */
export class NotFoundError extends FeatureflowError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** Formats a zod-style path (`['featureViews', 0, 'ttl']`) the way users read it: `featureViews[0].ttl`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
