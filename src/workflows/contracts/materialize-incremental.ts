/** The `materializeIncremental` workflow's contract, and the `materializeRange` activity it runs. */

export interface MaterializeIncrementalInput {
  /** Online views to materialize; default every online view of the worker's repo. */
  views?: string[];
  /**
   * Exclusive end, ISO-8601. Default: the run's nominal time, i.e. `TemporalScheduledStartTime` when a Schedule
   * started it (so a Schedule backfill materializes each past window as of its own time), the cron time of a
   * `cronSchedule` run, else the run's start.
   */
  end?: string;
}

/** Where a run's end came from. */
export type EndSource = 'input' | 'schedule' | 'cron' | 'start';

/** What became of one view in a materialization run (counts only: results stay far below payload limits). */
export interface ViewMaterializationSummary {
  view: string;
  /** Start of the range materialized; null when the run began at the view's first row, or had nothing to do. */
  start: string | null;
  end: string;
  /** The view was already materialized up to `end`: nothing was read or written. */
  upToDate: boolean;
  rowsRead: number;
  keysWritten: number;
  keysSkippedOlder: number;
  keysSkippedExpired: number;
  /** Newest event time written by this run, if any. */
  newestEvent: string | null;
  /** The view's watermark (end of what is materialized) after this run; null when none is recorded. */
  watermark: string | null;
  /** Failed `warn` validation rules of this run (alerted on; the rows were written). Absent when all held. */
  validationWarnings?: ValidationWarning[];
}

/** A failed `warn` rule as the activity reports it (see engine/validation/types.ts RuleResult). */
export interface ValidationWarning {
  index: number;
  rule: string;
  feature: string | null;
  failed: number;
  message: string;
  examples: Array<{ key: string; value: string | null }>;
}

export interface MaterializeIncrementalResult {
  end: string;
  endSource: EndSource;
  views: ViewMaterializationSummary[];
}

/** `materializeRange`: [start, end) of each view, or each view from its watermark to `end` when `start` is absent. */
export interface MaterializeRangeInput {
  views?: string[];
  /** Inclusive start, ISO-8601; absent: incremental (from each view's watermark, first time end - ttl). */
  start?: string;
  /** Exclusive end, ISO-8601. Always explicit: the activity never reads the clock for it. */
  end: string;
}

export interface MaterializeRangeResult {
  views: ViewMaterializationSummary[];
  seconds: number;
}
