/** The `backfill` workflow's contract: input, progress query, pause/resume signals, result, workflow id. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { canonicalInstant } from '../input.js';

export interface BackfillInput {
  view: string;
  /** Inclusive start, ISO-8601 (no zone means UTC). */
  start: string;
  /** Exclusive end, ISO-8601. */
  end: string;
  /** Chunk length, `90s`/`15m`/`1h`/`1d`/`1w` or seconds; boundaries fall on multiples of it since the epoch (UTC). Default `1d`. */
  chunk?: string | number;
  /** Chunks in flight at once. Default 4. */
  parallelism?: number;
  /** Also materialize each chunk to the online store. Default false. */
  materialize?: boolean;
  /** Continue as new once the history passes this many events (or the server suggests it). Default 2000. */
  maxHistoryEvents?: number;
  /** Update the memo (one history event) after this many finished chunks. Default 20. */
  memoEveryChunks?: number;
  /** How long a chunk may go without a heartbeat before the server retries it elsewhere. Default `30s`. */
  heartbeatTimeout?: string | number;
  /** Set by the workflow itself when it continues as new; leave it out when starting a backfill. */
  carried?: BackfillCarried;
}

/** What a backfill hands to its next run: every chunk before `nextChunk` has finished (in-flight ones are drained first). */
export interface BackfillCarried {
  nextChunk: number;
  chunksDone: number;
  rowsWritten: number;
  keysWritten: number;
  /** When the first run started (workflow time), ISO-8601. */
  startedAt: string;
  /** Time spent paused so far, excluded from the ETA. */
  pausedMs: number;
  /** Set while paused: when the pause began, ISO-8601. */
  pausedSince?: string;
  /** Runs before this one (continue-as-new count). */
  runs: number;
  /** Newest event materialized so far (materialize: true), ISO-8601. */
  newestEvent?: string;
}

export interface ChunkRange {
  start: string;
  end: string;
}

export type BackfillState = 'running' | 'paused' | 'draining' | 'completed' | 'cancelling' | 'failing';

export interface BackfillProgress {
  view: string;
  chunksDone: number;
  chunksTotal: number;
  rowsWritten: number;
  keysWritten: number;
  running: ChunkRange[];
  paused: boolean;
  state: BackfillState;
  startedAt: string;
  /** Seconds left at the rate so far (paused time excluded); null until a chunk has finished. */
  etaSeconds: number | null;
  /** Runs before this one (continue-as-new count). */
  runs: number;
}

export interface BackfillResult {
  view: string;
  start: string;
  end: string;
  chunksTotal: number;
  chunksDone: number;
  rowsWritten: number;
  keysWritten: number;
  /** Workflow runs used (1 + continue-as-new count). */
  runs: number;
  startedAt: string;
  finishedAt: string;
}

/** The figures a backfill keeps in its memo (visible in the UI's workflow list and `describe()`). */
export interface BackfillMemo {
  progress: Pick<BackfillProgress, 'chunksDone' | 'chunksTotal' | 'rowsWritten' | 'keysWritten' | 'paused' | 'runs'>;
}

/** `recordBackfillWatermark`: once every chunk of a materializing backfill is done, [start, end) counts as materialized. */
export interface RecordBackfillWatermarkInput {
  view: string;
  start: string;
  end: string;
  newestEvent?: string;
}

export const progressQuery = defineQuery<BackfillProgress>('progress');
/** Start no new chunks; chunks in flight finish. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

/**
 * `backfill:<view>:<start>:<end>` with canonical instants: the same backfill always gets the same id, so starting
 * it while it runs fails (id conflict policy FAIL) instead of computing everything twice.
 */
export function backfillWorkflowId(input: { view: string; start: string; end: string }): string {
  return `backfill:${input.view}:${canonicalInstant(input.start)}:${canonicalInstant(input.end)}`;
}
