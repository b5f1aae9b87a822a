/**
 * Heartbeats from a timer while a chunk works. Two reasons: the server notices a dead worker within the heartbeat
 * timeout (and retries the chunk elsewhere) instead of waiting hours for startToClose, and cancellation reaches an
 * activity only in a heartbeat's response. The SDK throttles what it sends, so beating often costs nothing.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

export interface HeartbeatDetails {
  phase: 'starting' | 'compute' | 'materialize' | 'train' | 'check' | 'alert' | 'stats';
  view: string;
  start: string;
  end: string;
  /** Compute step, e.g. `2/3 user_txn: windowing`, and DuckDB's estimate of it. */
  step?: string;
  percent?: number | undefined;
  /** Which step of how many (training sets: one join per view, then writing), for an overall progress bar. */
  stepNumber?: number;
  steps?: number;
  rowsDone?: number;
  rowsTotal?: number;
}

export interface Heartbeats {
  /** The details the next heartbeat carries (shown in the UI's pending activity). */
  report(details: HeartbeatDetails): void;
  /** Throws CancelledFailure when the workflow asked this activity to stop; called between steps. */
  throwIfCancelled(before: string): void;
}

/** A few beats per heartbeat timeout, at most every 5 s, at least every 100 ms. */
export function heartbeatInterval(heartbeatTimeoutMs: number | undefined): number {
  if (heartbeatTimeoutMs === undefined) return 5000;
  return Math.min(5000, Math.max(100, Math.floor(heartbeatTimeoutMs / 4)));
}

export async function withHeartbeats<T>(
  first: HeartbeatDetails,
  intervalMs: number | undefined,
  work: (beats: Heartbeats) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  let details = first;
  const beat = (): void => ctx.heartbeat(details);
  beat();
  const timer = setInterval(beat, intervalMs ?? heartbeatInterval(ctx.info.heartbeatTimeoutMs));
  try {
    return await work({
      report(next) {
        details = next;
      },
      throwIfCancelled(before) {
        if (ctx.cancellationSignal.aborted) {
          // Training sets have no time range: leave the empty one out of the message.
          const range = details.start || details.end ? ` [${details.start}, ${details.end})` : '';
          throw new CancelledFailure(`cancelled before ${before}${range} of "${details.view}"`);
        }
      },
    });
  } finally {
    clearInterval(timer);
  }
}
