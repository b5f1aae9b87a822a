/**
 * A stand-in for the stream ingest loop (runStreamIngest), which needs a broker: each call reports `steps` batches
 * at once (positions 1..steps of partition 0, one event each), then waits until its AbortSignal fires, as the real
 * loop consumes until stopped, and returns its stats. Every call is kept, with why it was stopped.
 */
import type { StreamIngestFn } from '../../../../src/activities/index.js';
import type { StreamIngestStats } from '../../../../src/workflows/shared.js';

export interface IngestCall {
  view: string;
  /** The signal's reason once it fired (a CancelledFailure, or the runFor stop). */
  stoppedWith?: unknown;
  returned?: StreamIngestStats;
}

export class FakeIngest {
  readonly calls: IngestCall[] = [];

  constructor(private readonly steps = 5) {}

  readonly run: StreamIngestFn = async ({ view, signal, onProgress }) => {
    const call: IngestCall = { view };
    this.calls.push(call);
    let stats: StreamIngestStats = { positions: {}, runEvents: 0 };
    for (let i = 1; i <= this.steps; i++) {
      stats = { positions: { '0': String(i) }, runEvents: i, events: 100 + i, late: 0, invalid: 0, pending: this.steps - i };
      onProgress(stats);
    }
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    call.stoppedWith = signal.reason;
    call.returned = stats;
    return stats;
  };
}
