/** How workflows call the chunk activity: one place, so backfill and computeFeatures retry and time out alike. */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

export function chunkActivityOptions(heartbeatTimeoutMs: number): ActivityOptions {
  return {
    // A big chunk may compute for a long time; the heartbeat timeout, not this, is what notices a dead worker.
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: heartbeatTimeoutMs,
    // Cancellation waits for the activity to stop, so a cancelled workflow has no chunk still writing behind it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // Retryable failures are Redis or I/O trouble: back off to a minute, then give up after ~6 minutes in all so a
    // long outage fails the workflow visibly (re-running it redoes nothing finished: chunks are idempotent).
    // Non-retryable ones (bad definitions, unknown views) fail at once: the activity marks them.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  };
}

/** Reading and writing Redis: quick, and worth a few retries through a short outage. */
export const STORE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6 },
};

/**
 * A webhook POST (10 s timeout in the activity), for freshness and drift alerts alike: retried with backoff for
 * about four minutes over 10 attempts; a receiver that refuses the request (4xx) is not retried at all (the
 * activity marks that non-retryable).
 */
export const ALERT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
};

/**
 * The long-running stream ingestion run: it returns after `runForMs` by itself, so startToClose only bounds a run
 * that hangs while its heartbeat timer still beats. The heartbeat timeout is what moves a dead worker's run to
 * another worker, which resumes from the position stored with the tiles. Retried without limit (a broker or Redis
 * outage must not end ingestion: it resumes when they are back), backing off to a minute; non-retryable failures
 * (an unknown view, a bad definition) fail at once.
 */
export function streamActivityOptions(runForMs: number, heartbeatTimeoutMs: number): ActivityOptions {
  return {
    startToCloseTimeout: runForMs + 10 * 60_000,
    heartbeatTimeout: heartbeatTimeoutMs,
    // A stopped workflow has no consumer still writing tiles behind it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
}
