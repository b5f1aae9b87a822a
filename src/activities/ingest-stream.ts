/**
 * `ingestStream`: one long run of a stream view's ingest loop (deps.streamIngest, i.e. runStreamIngest). It stops
 * the loop through an AbortSignal when `runForMs` has passed (and returns, so the workflow starts the next run) or
 * when Temporal cancels it (the workflow was stopped, the worker shuts down, the server timed the attempt out); it
 * then throws the cancellation, as Temporal expects. Heartbeats come from a timer, a few per heartbeat timeout,
 * carrying the latest positions and counters: they are how the server notices a dead worker and moves the run to
 * another one, how cancellation reaches us, and what `featureflow stream status` and the UI show. Nothing here is
 * remembered between attempts: the loop resumes from the position stored in Redis with the tiles.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { InvalidRequestError } from '../engine/errors.js';
import { FeatureflowError } from '../registry/errors.js';
import { findStreamView } from '../registry/stream-view.js';
import type {
  IngestStreamInput,
  IngestStreamResult,
  Positions,
  StreamIngestHeartbeat,
  StreamIngestStats,
} from '../workflows/contracts/stream-ingest.js';
import type { ActivityDeps } from './deps.js';
import { heartbeatInterval } from './heartbeat.js';

function parseInput(input: unknown): IngestStreamInput {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof raw.view !== 'string' || raw.view.trim() === '') problems.push(`view: must be a view name, got ${JSON.stringify(raw.view)}`);
  if (typeof raw.runForMs !== 'number' || !Number.isInteger(raw.runForMs) || raw.runForMs < 1) {
    problems.push(`runForMs: must be a whole number of milliseconds > 0, got ${JSON.stringify(raw.runForMs)}`);
  }
  if (problems.length > 0) throw new InvalidRequestError(`ingestStream input is invalid: ${problems.join('; ')}`);
  return { view: raw.view as string, runForMs: raw.runForMs as number };
}

export async function ingestStream(deps: ActivityDeps, input: IngestStreamInput): Promise<IngestStreamResult> {
  const req = parseInput(input);
  const actx = Context.current();
  const startedAt = new Date();
  // The worker opened its engine at start-up; the view is checked against the worker's own repo.
  const ctx = await deps.resources.engine();
  findStreamView(ctx.repo, req.view);
  const ingest = deps.streamIngest;
  if (!ingest) {
    throw new FeatureflowError('INVALID_WORKER_OPTIONS', 'this worker was built without stream ingestion (ActivityDeps.streamIngest); run `featureflow worker`');
  }

  const stop = new AbortController();
  const cancellation = actx.cancellationSignal;
  const onCancel = (): void => stop.abort(cancellation.reason);
  cancellation.addEventListener('abort', onCancel, { once: true });
  if (cancellation.aborted) onCancel();
  let ranOut = false;
  const runFor = setTimeout(() => {
    ranOut = true;
    stop.abort(new RunForElapsed());
  }, req.runForMs);

  const beats = heartbeatDetails(req.view, startedAt, previousPositions(actx.info.heartbeatDetails));
  const beat = (): void => actx.heartbeat(beats.next());
  beat();
  const timer = setInterval(beat, deps.heartbeatIntervalMs ?? heartbeatInterval(actx.info.heartbeatTimeoutMs));
  let final: StreamIngestStats;
  try {
    final = await ingest({ ctx, view: req.view, signal: stop.signal, onProgress: (stats) => beats.update(stats) });
  } catch (err) {
    if (cancellation.aborted) throw cancelled(cancellation.reason, req.view);
    // The loop may surface our own abort as an error: stopping at runFor is still the planned end of the run.
    if (!(ranOut && isAbort(err, stop.signal))) throw err;
    final = beats.latest();
  } finally {
    clearInterval(timer);
    clearTimeout(runFor);
    cancellation.removeEventListener('abort', onCancel);
  }
  if (cancellation.aborted) throw cancelled(cancellation.reason, req.view);
  const endedAt = new Date();
  return {
    view: req.view,
    positions: final.positions,
    events: final.runEvents,
    late: final.late ?? 0,
    invalid: final.invalid ?? 0,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    stoppedBy: ranOut ? 'runFor' : 'returned',
    seconds: Math.round(endedAt.getTime() - startedAt.getTime()) / 1000,
  };
}

class RunForElapsed extends Error {
  override name = 'AbortError';
  constructor() {
    super('runFor elapsed: the run returns and the workflow starts the next one');
  }
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return err === signal.reason || (err instanceof Error && err.name === 'AbortError');
}

/** The SDK's own CancelledFailure (its message says why: CANCELLED, WORKER_SHUTDOWN, TIMED_OUT, ...). */
function cancelled(reason: unknown, view: string): CancelledFailure {
  return reason instanceof CancelledFailure ? reason : new CancelledFailure(`stream ingestion of "${view}" cancelled`);
}

/** A retry's first heartbeats show where the previous attempt had got to, until this one reports. */
function previousPositions(details: unknown): Positions {
  const positions = (details as Partial<StreamIngestHeartbeat> | undefined)?.positions;
  if (typeof positions !== 'object' || positions === null) return {};
  return Object.fromEntries(Object.entries(positions).filter(([, v]) => typeof v === 'string'));
}

/** The latest stats, and heartbeat details with the event rate since the previous beat. */
function heartbeatDetails(view: string, since: Date, positions: Positions) {
  let stats: StreamIngestStats = { positions, runEvents: 0 };
  let previous: { atMs: number; events: number } | undefined;
  return {
    update(next: StreamIngestStats): void {
      stats = next;
    },
    latest: (): StreamIngestStats => stats,
    next(): StreamIngestHeartbeat {
      const atMs = Date.now();
      const elapsed = previous ? (atMs - previous.atMs) / 1000 : 0;
      const eventsPerSecond = previous && elapsed > 0 ? Math.round(((stats.runEvents - previous.events) / elapsed) * 10) / 10 : null;
      previous = { atMs, events: stats.runEvents };
      return {
        view,
        positions: stats.positions,
        events: stats.runEvents,
        ...(stats.events !== undefined ? { totalEvents: stats.events } : {}),
        late: stats.late ?? 0,
        invalid: stats.invalid ?? 0,
        ...(stats.pending !== undefined ? { pending: stats.pending } : {}),
        ...(stats.watermarkMicros !== undefined ? { watermarkMicros: stats.watermarkMicros } : {}),
        eventsPerSecond,
        since: since.toISOString(),
        at: new Date(atMs).toISOString(),
      };
    },
  };
}
