/**
 * Admission control: what keeps one client's requests from taking the server away from everyone else. A request
 * bigger than the configured size is refused before its work starts (400, the limit named), and reads beyond the
 * in-flight cap wait their turn, fairly between clients (fair-gate.ts).
 */
import { FeatureflowError } from '../registry/errors.js';

/** A request asks for more work than one request may (entities x features, or rows of a push). Not retryable. */
export class RequestTooLargeError extends FeatureflowError {
  constructor(what: string, size: number, limit: number, limitName: string, atLeast = false) {
    super(
      'REQUEST_TOO_LARGE',
      `request too large: ${what} is ${atLeast ? 'at least ' : ''}${size}, over the limit of ${limit} (${limitName}); ` +
        'split it into smaller requests',
    );
  }
}

/** The server is at its cap of concurrent reads (or connections): try again shortly. */
export class OverloadedError extends FeatureflowError {
  constructor(message: string) {
    super('OVERLOADED', message, { retryable: true });
  }
}

/** Refuses a /push or /write-to-online-store of more rows than `limit` (limits.maxRowsPerWrite). */
export function checkWriteRows(rows: number, limit: number, onRefuse: () => void): void {
  if (rows <= limit) return;
  onRefuse();
  throw new RequestTooLargeError('the number of rows (df)', rows, limit, 'maxRowsPerWrite');
}

/** Resolves on the event loop's check phase: socket reads and timers due now run before the caller continues. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
