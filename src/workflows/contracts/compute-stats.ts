/** The `computeStats` activity's contract: store a view's statistics per UTC date of [start, end). */

export interface ComputeStatsInput {
  view: string;
  /** ISO-8601 instants, [start, end). */
  start: string;
  end: string;
}

export interface ComputeStatsResult {
  view: string;
  start: string;
  end: string;
  /** Dates (or parts of dates) whose stats were stored. */
  partitions: number;
  rows: number;
  seconds: number;
}
