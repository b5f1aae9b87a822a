/**
 * Every online store call the API makes goes through here: a deadline (a store that hangs must not hang the
 * request: a client waiting forever is worse than a 503) and the store error counter, which counts the store's
 * failures only: a client's bad request is never a Redis outage on a dashboard.
 */
import { OnlineStoreUnavailableError } from '../online/errors.js';
import { FeatureflowError } from '../registry/errors.js';
import type { ApiContext } from './context.js';

/** Codes that mean the store failed (unreachable, timed out, error reply, a value it holds is not ours). */
const STORE_FAILURES = new Set(['ONLINE_STORE_UNAVAILABLE', 'ONLINE_STORE_ERROR', 'ONLINE_VALUE_CORRUPT']);
/** A deadline timer this late (ms) means the event loop was held, not that the store was slow. */
const LATE_MS = 10;

export function callStore<T>(ctx: ApiContext, doing: string, call: () => Promise<T>): Promise<T> {
  const timeoutMs = ctx.limits.storeTimeoutMs;
  const started = performance.now();
  // One promise settled by whichever comes first, not a race of two: this runs on every read, where the race's
  // extra promises and the async wrapper were a measurable share of a small read's CPU.
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let check: NodeJS.Immediate | undefined;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      if (check) clearImmediate(check);
      return true;
    };
    const fail = (err: unknown): void => {
      if (!settle()) return;
      if (isStoreFailure(err)) ctx.metrics.storeError();
      reject(err);
    };
    // A timer is late when our own CPU work held the event loop, and the store's reply may be sitting unread in
    // its socket. A late deadline gives the call another short while (at most the timeout again), and any
    // deadline lets socket reads of this turn of the loop run first (they come before setImmediate callbacks),
    // so slow CPU elsewhere in the process is not reported as a store timeout.
    const fire = (graceGiven: boolean): void => {
      const late = performance.now() - started - timeoutMs;
      if (!graceGiven && late > LATE_MS) {
        timer = setTimeout(() => fire(true), Math.min(late, timeoutMs));
        return;
      }
      check = setImmediate(() => fail(new OnlineStoreUnavailableError(`online store unavailable: ${doing} took longer than ${timeoutMs} ms`)));
    };
    let timer = setTimeout(() => fire(false), timeoutMs);
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (err) {
      fail(err);
      return;
    }
    pending.then((value) => {
      if (settle()) resolve(value);
    }, fail);
  });
}

/** Errors the store is to blame for; anything else (a bad entity key, a bug of ours) is not counted as one. */
export function isStoreFailure(err: unknown): boolean {
  return err instanceof FeatureflowError && STORE_FAILURES.has(err.code);
}
