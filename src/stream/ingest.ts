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
import { maxPositions, splitApplied } from './positions.js';
import type { BrokerReader, Positions, StreamMessage, StreamState, StreamStateUpdate } from './types.js';
export type { StreamStateUpdate } from './types.js';

/** The liveness fields an empty poll refreshes (a cheap HSET, no CAS: they claim nothing about the tiles). */
export type StreamTouch = Pick<StreamStateUpdate, 'updatedAtMs' | 'caughtUpAtMs' | 'pending'>;

export interface TileSink<Row> {
  readState(): Promise<StreamState | undefined>;
  /**
   * Atomically: if the stored positions equal `expected` (absent state == undefined), merge `rows` into the tiles
   * and apply `next` to the state, and return 'applied'; otherwise write nothing and return 'stale'. The loop calls
   * it again before the previous call resolved (one ahead): writes must apply in call order, each expecting the
   * positions the previous one sets, so one after a write that did not apply is refused too.
   */
  apply(batch: { expected: Positions | undefined; next: StreamStateUpdate; rows: Row[] }): Promise<'applied' | 'stale'>;
  touch(update: StreamTouch): Promise<void>;
}

export interface PartialsResult<Row> {
  rows: Row[];
  /** count_distinct values dropped beyond the per-tile cap. */
  overflow?: number;
  /** Events whose join key did not fit its type (e.g. "abc" for a BIGINT key): counted invalid, not folded. */
  untypedKeys?: number;
}

export interface PartialsBuilder<Row> {
  /** The tile rows of a batch of valid, not-late events (never called with none). */
  aggregate(events: readonly StreamEvent[]): Promise<PartialsResult<Row>>;
}

export interface StreamProgress extends StreamState {
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
  /** How often the loop asks the broker for its lag (a round trip; Kafka's is an admin request). Default 1 s. */
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

function initialProgress(stored: StreamState | undefined): StreamProgress {
  return {
    positions: stored?.positions ?? {},
    watermarkMicros: stored?.watermarkMicros ?? 0,
    events: stored?.events ?? 0,
    late: stored?.late ?? 0,
    invalid: stored?.invalid ?? 0,
    updatedAtMs: stored?.updatedAtMs ?? 0,
    caughtUpAtMs: stored?.caughtUpAtMs ?? 0,
    pending: stored?.pending ?? 0,
    batches: 0,
    runEvents: 0,
  };
}

/** The state change of a batch of not-yet-applied messages, and the tile rows to write with it. */
async function prepareBatch<Row>(
  fresh: readonly StreamMessage[],
  last: Positions,
  progress: StreamProgress,
  options: StreamIngestOptions<Row>,
  at: number,
): Promise<{ next: StreamStateUpdate; rows: Row[] }> {
  const parsed = parseEvents(fresh, options.rules, { watermarkMicros: progress.watermarkMicros, nowMs: at });
  if (parsed.invalidSamples.length > 0) options.onInvalid?.(parsed.invalidSamples);
  const partial: PartialsResult<Row> = parsed.events.length > 0 ? await options.partials.aggregate(parsed.events) : { rows: [] };
  const untyped = partial.untypedKeys ?? 0;
  const next: StreamStateUpdate = {
    positions: maxPositions(progress.positions, last),
    watermarkMicros: Math.max(progress.watermarkMicros, parsed.maxMicros ?? progress.watermarkMicros),
    events: parsed.events.length - untyped,
    late: parsed.late,
    invalid: parsed.invalid + untyped,
    overflow: partial.overflow ?? 0,
    updatedAtMs: at,
    pending: progress.pending,
  };
  return { next, rows: partial.rows };
}

/** Runs until `signal` aborts; returns the progress at that point. Closes the reader in every case. */
export async function runStreamIngest<Row>(options: StreamIngestOptions<Row>): Promise<StreamProgress> {
  const { view, reader, sink, signal } = options;
  const batchMax = options.batchMax ?? 5000;
  const waitMs = options.waitMs ?? 50;
  const pendingEveryMs = options.pendingEveryMs ?? 1000;
  const now = options.now ?? Date.now;

  const stored = await sink.readState();
  let expected = stored?.positions;
  const progress = initialProgress(stored);
  let askedPendingAt = Number.NEGATIVE_INFINITY;
  /** The broker's lag, asked at most every pendingEveryMs (undefined when not asked now or it cannot say). */
  const askPending = async (at: number): Promise<number | undefined> => {
    if (at - askedPendingAt < pendingEveryMs) return undefined;
    askedPendingAt = at;
    const pending = await reader.pending();
    if (pending !== undefined) progress.pending = pending;
    return pending;
  };

  // The write of one batch overlaps the reading and preparing of the next, and the next is sent before the reply
  // to the previous one, so the merge and packing of a batch (~a third of this thread's work) overlap Redis' write
  // of the one before instead of following it. Writes stay chained (each expects the positions the previous one
  // set, so none applies after one that did not), and a batch is acknowledged only once its write is known to be
  // applied; `ahead` is what the batches prepared so far will have applied, `progress` what is applied.
  const ahead = { positions: progress.positions, watermarkMicros: progress.watermarkMicros };
  // Only what to acknowledge is kept of the messages: a batch's messages (and the broker buffers they view) are not
  // held through the write, which left them to the old generation's collector.
  let inFlight: { write: Promise<'applied' | 'stale'>; ackTo: Positions; next: StreamStateUpdate } | undefined;
  const settle = async (): Promise<void> => {
    if (!inFlight) return;
    const { write, ackTo, next } = inFlight;
    inFlight = undefined;
    if ((await write) === 'stale') throw new StreamPositionConflictError(view);
    progress.positions = next.positions;
    progress.watermarkMicros = next.watermarkMicros;
    progress.events += next.events;
    progress.late += next.late;
    progress.invalid += next.invalid;
    progress.updatedAtMs = next.updatedAtMs;
    progress.caughtUpAtMs = next.caughtUpAtMs ?? progress.caughtUpAtMs;
    progress.batches++;
    progress.runEvents += next.events;
    // Acknowledged only now that the tiles hold them.
    await reader.ack(ackTo);
    options.onProgress?.({ ...progress });
  };

  await reader.open(progress.positions);
  try {
    while (!signal.aborted) {
      const messages = await reader.next(batchMax, waitMs);
      if (signal.aborted) break; // left unacknowledged: the next run reads them again
      const at = now();
      if (messages.length === 0) {
        await settle();
        // Nothing came for waitMs: caught up unless the broker says a batch or more waits.
        const pending = await askPending(at);
        const touch: StreamTouch = { updatedAtMs: at, pending: progress.pending };
        if (caughtUp(pending, true, batchMax)) touch.caughtUpAtMs = progress.caughtUpAtMs = at;
        progress.updatedAtMs = at;
        await sink.touch(touch);
        options.onProgress?.({ ...progress });
        continue;
      }
      const { fresh, last } = splitApplied(ahead.positions, messages);
      if (fresh.length === 0) {
        // All applied already (a redelivery): acknowledged once the write before them is.
        await settle();
        await reader.ack(last);
        continue;
      }
      const pending = await askPending(at);
      const { next, rows } = await prepareBatch(fresh, last, { ...progress, ...ahead }, options, at);
      if (pending !== undefined && caughtUp(pending, false, batchMax)) next.caughtUpAtMs = at;
      ahead.positions = next.positions;
      ahead.watermarkMicros = next.watermarkMicros;
      const write = sink.apply({ expected, next, rows });
      // Awaited by settle(); a failure there must not also surface as an unhandled rejection meanwhile.
      write.catch(() => undefined);
      await settle();
      inFlight = { write, ackTo: last, next };
      expected = next.positions;
    }
    await settle();
  } finally {
    await reader.close();
  }
  return { ...progress };
}
