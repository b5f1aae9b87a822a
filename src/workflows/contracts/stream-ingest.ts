/**
 * The `streamIngest` workflow's contract, and the `ingestStream` activity it runs. One workflow per stream view
 * (id `stream-ingest-<project>-<view>`) runs the long-running activity again and again: each run consumes the
 * view's broker for up to `runFor`, heartbeating its position, and returns; the workflow continues as new every
 * `runsPerWorkflow` runs so its history stays small. The broker position that counts is the one stored in Redis
 * with the tiles, so a retried or repeated run resumes exactly where the last write left off.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Positions } from '../../stream/types.js';

export type { Positions };

export interface StreamIngestInput {
  /** A feature view reading a stream source. */
  view: string;
  /** How long one activity run consumes before it returns and the workflow starts the next; default `1h`. */
  runFor?: string | number;
  /** Activity runs per workflow run before continuing as new; default 24. */
  runsPerWorkflow?: number;
  /** How long a run may go without a heartbeat before the server retries it on another worker; default `30s`. */
  heartbeatTimeout?: string | number;
  /** Set by the workflow itself when it continues as new; leave it out when starting. */
  carried?: StreamIngestCarried;
}

/** Since the first workflow run of the chain. */
export interface StreamIngestTotals {
  /** Finished activity runs. */
  runs: number;
  /** Events folded into tiles by the finished runs. */
  events: number;
  /** The view's late and invalid counts as stored with its tiles at the end of the last finished run. */
  late: number;
  invalid: number;
}

/** What a workflow run hands to the next when it continues as new. */
export interface StreamIngestCarried extends StreamIngestTotals {
  /** When the first run of the chain started (workflow time), ISO-8601. */
  startedAt: string;
  /** Workflow runs before this one. */
  continuedAsNew: number;
  lastRun?: StreamRunSummary;
}

/**
 * What the ingest loop reports (src/stream/ingest.ts `onProgress`, and its result; its StreamProgress has this
 * shape): the positions written with the tiles, the events this call folded, and the view's state as stored with
 * its tiles (totals over every run).
 */
export interface StreamIngestStats {
  positions: Positions;
  /** Events folded into tiles by this call. */
  runEvents: number;
  /** The view's totals as stored: events folded, late events dropped, invalid messages skipped. */
  events?: number;
  late?: number;
  invalid?: number;
  /** Broker messages not yet read at the last poll (consumer lag), when the broker can say. */
  pending?: number;
  /** Greatest event time applied, epoch microseconds. */
  watermarkMicros?: number;
}

// ---- the activity ---------------------------------------------------------------------------------------------

export interface IngestStreamInput {
  view: string;
  /** The run returns after this long (it is stopped through its AbortSignal, which lets the current batch finish). */
  runForMs: number;
}

export interface StreamRunSummary {
  /** Positions stored with the tiles when the run ended (empty when nothing was ever written). */
  positions: Positions;
  /** Events this run folded into tiles. */
  events: number;
  /** The view's late and invalid counts as stored when the run ended (0 when the loop did not say). */
  late: number;
  invalid: number;
  startedAt: string;
  endedAt: string;
}

export interface IngestStreamResult extends StreamRunSummary {
  view: string;
  /** `runFor`: stopped after runFor as planned; `returned`: the ingest loop returned by itself. */
  stoppedBy: 'runFor' | 'returned';
  seconds: number;
}

/** The details of every heartbeat (the UI's pending activity; `featureflow stream status` reads the last one). */
export interface StreamIngestHeartbeat {
  view: string;
  positions: Positions;
  /** Events this attempt folded into tiles. */
  events: number;
  /** The view's totals as stored with its tiles, when the loop reports them. */
  totalEvents?: number;
  late: number;
  invalid: number;
  pending?: number;
  watermarkMicros?: number;
  /** Events per second since the previous heartbeat; null before the second one. */
  eventsPerSecond: number | null;
  /** When this attempt started and when these details were taken (worker clock), ISO-8601. */
  since: string;
  at: string;
}

// ---- the workflow's own figures --------------------------------------------------------------------------------

export type StreamIngestState = 'ingesting' | 'cancelling';

export interface StreamIngestStatus extends StreamIngestTotals {
  view: string;
  state: StreamIngestState;
  /** Runs finished by this workflow run (it continues as new at runsPerWorkflow). */
  runsThisWorkflow: number;
  runsPerWorkflow: number;
  continuedAsNew: number;
  startedAt: string;
  lastRun: StreamRunSummary | null;
}

/** Kept in the memo after every run, so `stream status` and the UI's list show it without a worker answering a query. */
export interface StreamIngestMemo {
  stream: StreamIngestTotals & { continuedAsNew: number; lastRunEndedAt: string | null };
}

export const streamStatusQuery = defineQuery<StreamIngestStatus>('status');

/**
 * `stream-ingest-<project>-<view>`: one ingestion per view and project, so starting it while it runs finds the
 * running one. Project and view names hold only letters, digits and underscores, so the dashes are unambiguous.
 */
export function streamIngestWorkflowId(project: string, view: string): string {
  return `stream-ingest-${project}-${view}`;
}
