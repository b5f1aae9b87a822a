/** The `computeFeatures` workflow's contract, and the chunk activity it shares with `backfill`. */
import { canonicalInstant } from '../input.js';

export interface ComputeFeaturesInput {
  view: string;
  /** Inclusive start, ISO-8601 (no zone means UTC), e.g. `2024-01-01T00:00:00Z`. */
  start: string;
  /** Exclusive end, ISO-8601. */
  end: string;
}

// ---- the one activity ------------------------------------------------------------------------------------------

export interface ComputeChunkInput {
  view: string;
  /** Canonical ISO-8601 instants (`Date.toISOString()`): [start, end). */
  start: string;
  end: string;
  /** Also write the range's latest values to the online store (newer-wins). */
  materialize: boolean;
}

/** Counts only, never rows or file lists: a result must stay far below Temporal's payload limits. */
export interface ComputeChunkResult {
  view: string;
  start: string;
  end: string;
  /** False for a plain (non-computed) view, which is only materialized. */
  computed: boolean;
  /** Offline rows written by computeFeatures (0 when not computed). */
  rowsWritten: number;
  /** Offline files written by computeFeatures. */
  files: number;
  materialized: boolean;
  /** Latest rows read for materialization (one per entity), and what became of them. */
  rowsRead: number;
  keysWritten: number;
  keysSkippedOlder: number;
  keysSkippedExpired: number;
  /** Newest event time materialized by the chunk, ISO-8601 (absent in results recorded before it existed). */
  newestEvent?: string | null;
  seconds: number;
}

export type ComputeFeaturesResult = ComputeChunkResult;


export function computeWorkflowId(input: { view: string; start: string; end: string }): string {
  return `compute:${input.view}:${canonicalInstant(input.start)}:${canonicalInstant(input.end)}`;
}
