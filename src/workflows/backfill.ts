/**
 * `backfill({ view, start, end, chunk, parallelism, materialize })`: a sliding window of chunk activities, after
 * Temporal's batch-sliding-window sample. At most `parallelism` chunks are in flight; when one finishes the next
 * starts. Before the history grows large the workflow stops starting chunks, lets the ones in flight finish, and
 * continues as new with its counters, so every chunk before `nextChunk` is done and none is ever redone by us
 * (after a worker crash Temporal's history already holds the finished ones; only chunks in flight run again).
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ErrorCode } from '../registry/error-codes.js';
import { formatDuration } from '../registry/duration.js';
import { chunkActivityOptions } from './activity-options.js';
import { chunkAt, planChunks, type ChunkBounds } from './chunks.js';
import { resolveBackfillInput } from './input.js';
import { activeMs, etaSeconds, progressMarkdown } from './progress.js';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BackfillCarried,
  type BackfillInput,
  type BackfillMemo,
  type BackfillProgress,
  type BackfillResult,
  type BackfillState,
} from './shared.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Since this patch, a completed backfill with `materialize: true` records [start, end) as materialized (one more
 * activity at the end). Runs that started before the change replay without it: `patched()` is false for them.
 * Once no such run is open anywhere, replace this with `deprecatePatch(RECORDS_WATERMARK)`, and later drop both.
 */
export const RECORDS_WATERMARK = 'backfill-records-watermark';

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  const opts = resolveBackfillInput(input);
  const plan = planChunks(opts.startMs, opts.endMs, opts.chunkSeconds);
  const { computeChunk, recordBackfillWatermark } = proxyActivities<ReturnType<typeof createActivities>>(
    chunkActivityOptions(opts.heartbeatTimeoutMs),
  );
  const carried = opts.carried;
  // Counters survive continue-as-new through `carried`; everything else is this run's.
  const s = {
    nextChunk: carried?.nextChunk ?? 0,
    chunksDone: carried?.chunksDone ?? 0,
    rowsWritten: carried?.rowsWritten ?? 0,
    keysWritten: carried?.keysWritten ?? 0,
    startedAtMs: carried ? Date.parse(carried.startedAt) : Date.now(),
    pausedMs: carried?.pausedMs ?? 0,
    pausedSinceMs: carried?.pausedSince === undefined ? undefined : Date.parse(carried.pausedSince),
    runs: carried?.runs ?? 0,
    newestEvent: carried?.newestEvent,
  };
  const running = new Map<number, ChunkBounds>();
  let phase: Exclude<BackfillState, 'paused'> = 'running';
  let failure: { error: unknown; chunk: ChunkBounds } | undefined;
  let startedThisRun = 0;
  let memoAtChunks = s.chunksDone;
  // Bumped on every change the main loop may act on; the loop sleeps until it moves.
  let changes = 0;

  const progress = (nowMs = Date.now()): BackfillProgress => {
    const worked = activeMs({ startedAtMs: s.startedAtMs, nowMs, pausedMs: s.pausedMs, pausedSinceMs: s.pausedSinceMs });
    return {
      view: opts.view,
      chunksDone: s.chunksDone,
      chunksTotal: plan.count,
      rowsWritten: s.rowsWritten,
      keysWritten: s.keysWritten,
      running: [...running.values()].map((c) => ({ start: iso(c.startMs), end: iso(c.endMs) })),
      paused: s.pausedSinceMs !== undefined,
      state: phase === 'running' && s.pausedSinceMs !== undefined ? 'paused' : phase,
      startedAt: iso(s.startedAtMs),
      etaSeconds: etaSeconds(s.chunksDone, plan.count, worked),
      runs: s.runs,
    };
  };
  const memo = (): BackfillMemo => {
    const { chunksDone, chunksTotal, rowsWritten, keysWritten, paused, runs } = progress();
    return { progress: { chunksDone, chunksTotal, rowsWritten, keysWritten, paused, runs } };
  };
  const range = { start: iso(opts.startMs), end: iso(opts.endMs), chunk: formatDuration(opts.chunkSeconds) };
  // Current details cost no history event, so they follow every change; the memo costs one, so it is batched.
  const publish = (): void => {
    changes++;
    setCurrentDetails(progressMarkdown(progress(), range));
  };

  // Descriptions show in the UI's Queries and Signals lists.
  // The query reads the clock: a query writes no history, so it may. Workflow time stands still between tasks (the
  // ETA would freeze until the next chunk ends), and a query answered while a task is in flight can carry the previous
  // task's time with the new task's counts (seen in CI: the first chunk done, no time worked, ETA null).
  setHandler(progressQuery, () => progress(Math.max(Date.now(), workflowInfo().unsafe.now())), {
    description: 'chunksDone, chunksTotal, rowsWritten, keysWritten, running chunks, paused, state, startedAt, etaSeconds',
  });
  setHandler(
    pauseSignal,
    () => {
      if (s.pausedSinceMs !== undefined) return;
      s.pausedSinceMs = Date.now();
      publish();
    },
    { description: 'start no new chunks (chunks in flight finish); resume continues' },
  );
  setHandler(
    resumeSignal,
    () => {
      if (s.pausedSinceMs === undefined) return;
      s.pausedMs += Date.now() - s.pausedSinceMs;
      s.pausedSinceMs = undefined;
      publish();
    },
    { description: 'start chunks again after pause' },
  );

  const launch = (index: number): void => {
    const chunk = chunkAt(plan, index);
    running.set(index, chunk);
    startedThisRun++;
    const settled = (): void => {
      running.delete(index);
      publish();
    };
    void computeChunk({ view: opts.view, start: iso(chunk.startMs), end: iso(chunk.endMs), materialize: opts.materialize }).then(
      (result) => {
        s.chunksDone++;
        s.rowsWritten += result.rowsWritten;
        s.keysWritten += result.keysWritten;
        if (result.newestEvent && (!s.newestEvent || result.newestEvent > s.newestEvent)) s.newestEvent = result.newestEvent;
        if (s.chunksDone - memoAtChunks >= opts.memoEveryChunks) {
          memoAtChunks = s.chunksDone;
          upsertMemo({ ...memo() });
        }
        settled();
      },
      (error: unknown) => {
        failure ??= { error, chunk };
        settled();
      },
    );
  };

  // At least one chunk per run, so even a tiny threshold always makes progress.
  const historyFull = (): boolean =>
    startedThisRun > 0 &&
    (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= opts.maxHistoryEvents);

  try {
    for (;;) {
      while (
        failure === undefined &&
        s.pausedSinceMs === undefined &&
        running.size < opts.parallelism &&
        s.nextChunk < plan.count &&
        !historyFull()
      ) {
        launch(s.nextChunk++);
      }
      const more = s.nextChunk < plan.count;
      phase = failure !== undefined ? 'failing' : more && historyFull() ? 'draining' : 'running';
      publish();
      if (running.size === 0 && (failure !== undefined || !more || historyFull())) break;
      const seen = changes;
      await condition(() => changes !== seen);
    }
    if (failure !== undefined) throw chunkFailure(opts.view, failure.chunk, failure.error);
    await condition(allHandlersFinished);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // In-flight activities were asked to cancel; wait until they stopped (they heartbeat, so they notice).
    phase = 'cancelling';
    publish();
    await CancellationScope.nonCancellable(() => condition(() => running.size === 0));
    throw err;
  }

  if (s.nextChunk < plan.count) {
    const next: BackfillCarried = {
      nextChunk: s.nextChunk,
      chunksDone: s.chunksDone,
      rowsWritten: s.rowsWritten,
      keysWritten: s.keysWritten,
      startedAt: iso(s.startedAtMs),
      pausedMs: s.pausedMs,
      ...(s.pausedSinceMs === undefined ? {} : { pausedSince: iso(s.pausedSinceMs) }),
      runs: s.runs + 1,
      ...(s.newestEvent ? { newestEvent: s.newestEvent } : {}),
    };
    const continueAsNew = makeContinueAsNewFunc<typeof backfill>({ memo: { ...memo() } });
    return continueAsNew({ ...input, carried: next });
  }

  if (opts.materialize && patched(RECORDS_WATERMARK)) {
    await recordBackfillWatermark({ view: opts.view, start: range.start, end: range.end, ...(s.newestEvent ? { newestEvent: s.newestEvent } : {}) });
  }
  phase = 'completed';
  publish();
  upsertMemo({ ...memo() });
  return {
    view: opts.view,
    start: range.start,
    end: range.end,
    chunksTotal: plan.count,
    chunksDone: s.chunksDone,
    rowsWritten: s.rowsWritten,
    keysWritten: s.keysWritten,
    runs: s.runs + 1,
    startedAt: iso(s.startedAtMs),
    finishedAt: iso(Date.now()),
  };
}

/** The workflow's failure for a failed chunk: names the chunk, keeps the activity's error type (its stable code). */
function chunkFailure(view: string, chunk: ChunkBounds, error: unknown): ApplicationFailure {
  const root = error instanceof ActivityFailure && error.cause ? error.cause : error;
  const type = root instanceof ApplicationFailure && root.type ? root.type : ('BACKFILL_CHUNK_FAILED' satisfies ErrorCode);
  const message = root instanceof Error ? root.message : String(root);
  return ApplicationFailure.create({
    type,
    nonRetryable: true,
    message: `backfill of "${view}" stopped: chunk [${iso(chunk.startMs)}, ${iso(chunk.endMs)}) failed: ${message}`,
    cause: error instanceof Error ? error : undefined,
  });
}
