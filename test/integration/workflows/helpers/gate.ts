/**
 * Holds chunk computations until the test lets them go, so a test can look at a backfill with chunks in flight
 * (progress, pause, cancel, duplicate starts) without depending on timing. A held chunk whose activity is
 * cancelled stops before computing anything, as the real activity does between its steps.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { ComputeFeaturesFn } from '../../../../src/activities/index.js';

export interface HeldChunk {
  start: string;
  end: string;
  released: boolean;
  cancelled: boolean;
  release(): void;
}

export class ChunkGate {
  readonly calls: HeldChunk[] = [];
  private open = false;

  constructor(private readonly real: ComputeFeaturesFn) {}

  readonly compute: ComputeFeaturesFn = async (ctx, view, start, end, options) => {
    const signal = Context.current().cancellationSignal;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const call: HeldChunk = {
      start: start.toISOString(),
      end: end.toISOString(),
      released: false,
      cancelled: false,
      release: () => {
        call.released = true;
        release();
      },
    };
    this.calls.push(call);
    if (this.open) call.release();
    const onAbort = (): void => {
      call.cancelled = true;
      release();
    };
    signal.addEventListener('abort', onAbort);
    try {
      await released;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (call.cancelled && !call.released) throw new CancelledFailure('cancelled while held by the test gate');
    return this.real(ctx, view, start, end, options);
  };

  /** Lets every held chunk and every later one through. */
  openAll(): void {
    this.open = true;
    for (const call of this.calls) if (!call.released) call.release();
  }

  held(): HeldChunk[] {
    return this.calls.filter((c) => !c.released && !c.cancelled);
  }
}
