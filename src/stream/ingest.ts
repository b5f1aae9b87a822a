/**
 * The ingest loop of one stream view: broker messages -> validated events -> tile partials -> one atomic write to
 * Redis, then the broker acknowledgement. Effect exactly once: the tiles and the positions they cover are written
 * together by a compare-and-set on the positions this consumer started from, and the broker is acknowledged only
 * after that write. A crash between the write and the ack redelivers messages the tiles already hold; the loop
 * drops them by position (<= applied). A CAS that finds other positions (another consumer wrote meanwhile) writes
 * nothing and throws StreamPositionConflictError, which is retryable: the next attempt reads the stored positions
 * and reopens the reader there.
 *
 * The tile store and the partials are injected (TileSink, PartialsBuilder) so the loop knows neither Redis's layout
 * nor DuckDB; `Row` is whatever the partials hand to the sink.
 */
import { StreamPositionConflictError } from './errors.js';
import { parseEvents, type EventRules, type InvalidEvent, type StreamEvent } from './events.js';
import { advancePositions, isApplied, lastPositions } from './positions.js';
import type { BrokerReader, Positions, StreamState } from './types.js';

/** What one batch changes in the view's state (counters are increments). */
export interface StreamStateUpdate {
  positions: Positions;
  watermarkMicros: number;
  addEvents: number;
  addLate: number;
  addInvalid: number;
  updatedAtMs: number;
  /** Unchanged when undefined. */
  caughtUpAtMs: number | undefined;
  /** Unchanged when undefined (the broker could not say). */
  pending: number | undefined;
}

/** The liveness fields an empty poll refreshes (a cheap HSET, no CAS: they claim nothing about the tiles). */
export type StreamTouch = Pick<StreamStateUpdate, 'updatedAtMs' | 'caughtUpAtMs' | 'pending'>;

export interface TileSink<Row> {
  readState(): Promise<StreamState | undefined>;
  /**
   * Atomically: if the stored positions equal `expected` (absent state == undefined), merge `rows` into the tiles
   * and apply `next` to the state, and return 'applied'; otherwise write nothing and return 'stale'.
   */
  apply(batch: { expected: Positions | undefined; next: StreamStateUpdate; rows: Row[] }): Promise<'applied' | 'stale'>;
  touch(update: StreamTouch): Promise<void>;
}

export interface PartialsBuilder<Row> {
  /** The tile rows of a batch of valid, not-late events (empty for none). */
  aggregate(events: readonly StreamEvent[]): Promise<Row[]>;
}

export interface StreamProgress extends Omit<StreamState, 'pending'> {
  pending: number | undefined;
  /** Batches written by this run. */
  batches: number;
  /** Events folded into tiles by this run. */
  runEvents: number;
}

export interface StreamIngestOptions<Row> {
  view: string;
  rules: EventRules;
  reader: BrokerReader;
  sink: TileSink<Row>;
  partials: PartialsBuilder<Row>;
  signal: AbortSignal;
  onProgress?: (progress: StreamProgress) => void;
  /** The first few invalid messages of a batch, with position and reason (for the log). */
  onInvalid?: (samples: InvalidEvent[]) => void;
  batchMax?: number;
  waitMs?: number;
  /** How often a busy consumer asks the broker for its lag (an empty poll always asks). */
  pendingEveryMs?: number;
  now?: () => number;
}

/**
 * Caught up: what the broker still holds fits in the next batch. Not `pending === 0`: under a steady stream some
 * messages are always in flight, and freshness would call a consumer a batch behind stale.
 */
function caughtUp(pending: number | undefined, emptyPoll: boolean, batchMax: number): boolean {
  return pending === undefined ? emptyPoll : pending < batchMax;
}

/** Runs until `signal` aborts; returns the progress at that point. Closes the reader in every case. */
export async function runStreamIngest<Row>(options: StreamIngestOptions<Row>): Promise<StreamProgress> {
  const { view, rules, reader, sink, partials, signal } = options;
  const batchMax = options.batchMax ?? 5000;
  const waitMs = options.waitMs ?? 50;
  const pendingEveryMs = options.pendingEveryMs ?? 1000;
  const now = options.now ?? Date.now;

  const stored = await sink.readState();
  let expected = stored?.positions;
  const progress: StreamProgress = {
    positions: stored?.positions ?? {},
    watermarkMicros: stored?.watermarkMicros ?? 0,
    events: stored?.events ?? 0,
    late: stored?.late ?? 0,
    invalid: stored?.invalid ?? 0,
    updatedAtMs: stored?.updatedAtMs ?? 0,
    caughtUpAtMs: stored?.caughtUpAtMs ?? 0,
    pending: stored?.pending,
    batches: 0,
    runEvents: 0,
  };
  let askedPendingAt = Number.NEGATIVE_INFINITY;

  await reader.open(progress.positions);
  try {
    while (!signal.aborted) {
      const messages = await reader.next(batchMax, waitMs);
      if (signal.aborted) break; // left unacknowledged: the next run reads them again
      const at = now();
      if (messages.length === 0) {
        const pending = await reader.pending();
        askedPendingAt = at;
        const touch: StreamTouch = { updatedAtMs: at, pending, caughtUpAtMs: caughtUp(pending, true, batchMax) ? at : undefined };
        await sink.touch(touch);
        Object.assign(progress, { updatedAtMs: at, pending: pending ?? progress.pending, caughtUpAtMs: touch.caughtUpAtMs ?? progress.caughtUpAtMs });
        options.onProgress?.({ ...progress });
        continue;
      }
      const upTo = lastPositions(messages);
      const fresh = messages.filter((m) => !isApplied(progress.positions, m.partition, m.position));
      if (fresh.length > 0) {
        let pending: number | undefined;
        if (at - askedPendingAt >= pendingEveryMs) {
          pending = await reader.pending();
          askedPendingAt = at;
        }
        const parsed = parseEvents(fresh, rules, { watermarkMicros: progress.watermarkMicros, nowMs: at });
        if (parsed.invalidSamples.length > 0) options.onInvalid?.(parsed.invalidSamples);
        const rows = parsed.events.length > 0 ? await partials.aggregate(parsed.events) : [];
        const next: StreamStateUpdate = {
          positions: advancePositions(progress.positions, fresh),
          watermarkMicros: Math.max(progress.watermarkMicros, parsed.maxMicros ?? progress.watermarkMicros),
          addEvents: parsed.events.length,
          addLate: parsed.late,
          addInvalid: parsed.invalid,
          updatedAtMs: at,
          caughtUpAtMs: pending !== undefined && caughtUp(pending, false, batchMax) ? at : undefined,
          pending,
        };
        if ((await sink.apply({ expected, next, rows })) === 'stale') throw new StreamPositionConflictError(view);
        expected = next.positions;
        progress.positions = next.positions;
        progress.watermarkMicros = next.watermarkMicros;
        progress.events += next.addEvents;
        progress.late += next.addLate;
        progress.invalid += next.addInvalid;
        progress.updatedAtMs = at;
        progress.caughtUpAtMs = next.caughtUpAtMs ?? progress.caughtUpAtMs;
        progress.pending = pending ?? progress.pending;
        progress.batches++;
        progress.runEvents += next.addEvents;
      }
      // Acknowledged only now that the tiles hold them (or held them already).
      await reader.ack(upTo);
      if (fresh.length > 0) options.onProgress?.({ ...progress });
    }
  } finally {
    await reader.close();
  }
  return { ...progress };
}
