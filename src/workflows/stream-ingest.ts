/**
 * `streamIngest({ view })`: keeps a stream view's tiles in Redis up to date, for as long as it runs. It runs the
 * `ingestStream` activity in a loop: each run consumes the broker for `runFor` (default 1h), heartbeating its
 * position, then returns and the next one starts. A dead worker's run is retried on another worker after the
 * heartbeat timeout (retries are unlimited, with backoff): it resumes from the position stored with the tiles.
 * Every `runsPerWorkflow` runs (default 24) the workflow continues as new with its totals, so the history stays
 * small however long it streams. Cancelling it (`featureflow stream stop`) stops the run in flight cleanly, after
 * its current batch, and ends the workflow as cancelled. It never completes otherwise.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  makeContinueAsNewFunc,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ErrorCode } from '../registry/error-codes.js';
import { streamActivityOptions } from './activity-options.js';
import {
  streamStatusQuery,
  type IngestStreamResult,
  type StreamIngestCarried,
  type StreamIngestInput,
  type StreamIngestMemo,
  type StreamIngestState,
  type StreamIngestStatus,
} from './contracts/stream-ingest.js';
import { resolveStreamIngestInput } from './stream-ingest-input.js';

export async function streamIngest(input: StreamIngestInput): Promise<never> {
  const opts = resolveStreamIngestInput(input);
  const { ingestStream } = proxyActivities<ReturnType<typeof createActivities>>(
    streamActivityOptions(opts.runForMs, opts.heartbeatTimeoutMs),
  );
  const carried = opts.carried;
  const s = {
    runs: carried?.runs ?? 0,
    events: carried?.events ?? 0,
    late: carried?.late ?? 0,
    invalid: carried?.invalid ?? 0,
    continuedAsNew: carried?.continuedAsNew ?? 0,
    startedAt: carried?.startedAt ?? new Date().toISOString(),
    lastRun: carried?.lastRun ?? null,
  };
  let runsThisWorkflow = 0;
  let state: StreamIngestState = 'ingesting';

  const status = (): StreamIngestStatus => ({
    view: opts.view,
    state,
    runs: s.runs,
    events: s.events,
    late: s.late,
    invalid: s.invalid,
    runsThisWorkflow,
    runsPerWorkflow: opts.runsPerWorkflow,
    continuedAsNew: s.continuedAsNew,
    startedAt: s.startedAt,
    lastRun: s.lastRun,
  });
  const memo = (): StreamIngestMemo => ({
    stream: { runs: s.runs, events: s.events, late: s.late, invalid: s.invalid, continuedAsNew: s.continuedAsNew, lastRunEndedAt: s.lastRun?.endedAt ?? null },
  });
  setHandler(streamStatusQuery, status, {
    description: 'state, finished runs and the events they folded, the view late/invalid counts, continuedAsNew, startedAt, lastRun',
  });

  // Shown (query, UI details) from the moment a stop is asked for, while the run in flight is still stopping.
  CancellationScope.current().cancelRequested.catch(() => {
    state = 'cancelling';
    setCurrentDetails(detailsMarkdown(status(), opts.runForMs));
  });

  try {
    // At least one run per workflow run; the server's suggestion only ever shortens the chain's links.
    while (runsThisWorkflow < opts.runsPerWorkflow && !(runsThisWorkflow > 0 && workflowInfo().continueAsNewSuggested)) {
      setCurrentDetails(detailsMarkdown(status(), opts.runForMs));
      const run = await ingestStream({ view: opts.view, runForMs: opts.runForMs });
      record(s, run);
      runsThisWorkflow++;
      // One history event per run (an hour by default): the figures survive in the UI's list without a query.
      upsertMemo({ ...memo() });
    }
  } catch (err) {
    // A run whose worker died after the cancellation was requested ends in a heartbeat timeout, not a cancellation:
    // the workflow was still asked to stop, so it stops as cancelled rather than failing.
    const stopping = isCancellation(err) || CancellationScope.current().consideredCancelled;
    if (!stopping) throw runFailure(opts.view, err);
    // The run in flight has stopped (WAIT_CANCELLATION_COMPLETED): nothing writes tiles behind us.
    throw isCancellation(err) ? err : new CancelledFailure(`stream ingestion of "${opts.view}" cancelled`, [], err instanceof Error ? err : undefined);
  }

  const next: StreamIngestCarried = {
    runs: s.runs,
    events: s.events,
    late: s.late,
    invalid: s.invalid,
    startedAt: s.startedAt,
    continuedAsNew: s.continuedAsNew + 1,
    ...(s.lastRun ? { lastRun: s.lastRun } : {}),
  };
  const continueAsNew = makeContinueAsNewFunc<typeof streamIngest>({ memo: { ...memo() } });
  return continueAsNew({ ...input, carried: next });
}

function record(s: { runs: number; events: number; late: number; invalid: number; lastRun: StreamIngestStatus['lastRun'] }, run: IngestStreamResult): void {
  s.runs++;
  s.events += run.events;
  // Stored totals of the view, not this run's: the latest one is the truth.
  s.late = run.late;
  s.invalid = run.invalid;
  const { positions, events, late, invalid, startedAt, endedAt } = run;
  s.lastRun = { positions, events, late, invalid, startedAt, endedAt };
}

/** A run that failed for good (non-retryable): the workflow fails with the activity's own code (NOT_FOUND, ...). */
function runFailure(view: string, error: unknown): unknown {
  if (!(error instanceof ActivityFailure)) return error;
  const root = error.cause ?? error;
  const type = root instanceof ApplicationFailure && root.type ? root.type : ('WORKFLOW_FAILED' satisfies ErrorCode);
  return ApplicationFailure.create({
    type,
    nonRetryable: true,
    message: `stream ingestion of "${view}" stopped: ${root instanceof Error ? root.message : String(root)}`,
    cause: error,
  });
}

function detailsMarkdown(st: StreamIngestStatus, runForMs: number): string {
  const last = st.lastRun;
  return [
    `**Streaming \`${st.view}\`** into its tiles (runs of ${Math.round(runForMs / 1000)}s)`,
    '',
    `- state: ${st.state === 'ingesting' ? `ingesting (run ${st.runs + 1})` : 'cancelling: waiting for the run in flight to stop'}`,
    `- finished runs: ${st.runs}, folding ${st.events} events; the view's late ${st.late}, invalid ${st.invalid}`,
    `- last run: ${last ? `${last.startedAt} .. ${last.endedAt}, ${last.events} events, positions ${JSON.stringify(last.positions)}` : 'none yet'}`,
    `- since ${st.startedAt}; continued as new ${st.continuedAsNew} time${st.continuedAsNew === 1 ? '' : 's'}`,
    '',
    'Live position and rate: the pending activity\'s heartbeat details.',
  ].join('\n');
}
