/**
 * Splitting a backfill range into chunks. Pure and O(1) per chunk: a 10-year hourly backfill has 87,600 chunks,
 * so no list of them is ever built; the workflow asks for chunk i when it starts it.
 *
 * Boundaries fall on multiples of the chunk length since the Unix epoch (UTC), like aggregation cadence ticks and
 * date partitions, so a chunk of `1d` is a calendar day and two backfills over overlapping ranges cut the same
 * chunks. An aligned start therefore gives full chunks and a shorter last one when the end is not aligned; an
 * unaligned start gives a shorter first chunk.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorCode } from '../registry/error-codes.js';

export const INVALID_BACKFILL_INPUT = 'INVALID_BACKFILL_INPUT' satisfies ErrorCode;

export interface ChunkPlan {
  startMs: number;
  endMs: number;
  chunkMs: number;
  /** First boundary after startMs (may be >= endMs when the range fits in one chunk). */
  firstBoundaryMs: number;
  count: number;
}

export interface ChunkBounds {
  startMs: number;
  endMs: number;
}

/** Why a chunk length cannot work, or undefined when it can. */
export function chunkProblem(chunkSeconds: number): string | undefined {
  if (!Number.isFinite(chunkSeconds) || chunkSeconds <= 0) return `the chunk must be longer than 0 (got ${chunkSeconds} seconds)`;
  if (!Number.isInteger(chunkSeconds)) return `the chunk must be a whole number of seconds (got ${chunkSeconds})`;
  return undefined;
}

/** Why a range cannot be split, or undefined when it can. */
export function rangeProblem(startMs: number, endMs: number): string | undefined {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return 'start and end must be valid instants';
  if (startMs >= endMs) {
    return `start (${new Date(startMs).toISOString()}) must be before end (${new Date(endMs).toISOString()})`;
  }
  return undefined;
}

/** Throws a non-retryable ApplicationFailure (a workflow fails on it instead of retrying its task forever). */
export function planChunks(startMs: number, endMs: number, chunkSeconds: number): ChunkPlan {
  const problem = chunkProblem(chunkSeconds) ?? rangeProblem(startMs, endMs);
  if (problem) throw ApplicationFailure.nonRetryable(`backfill: ${problem}`, INVALID_BACKFILL_INPUT);
  const chunkMs = chunkSeconds * 1000;
  const firstBoundaryMs = (Math.floor(startMs / chunkMs) + 1) * chunkMs;
  const count = firstBoundaryMs >= endMs ? 1 : 1 + Math.ceil((endMs - firstBoundaryMs) / chunkMs);
  return { startMs, endMs, chunkMs, firstBoundaryMs, count };
}

/** Chunk `index` (0-based) of the plan. */
export function chunkAt(plan: ChunkPlan, index: number): ChunkBounds {
  if (!Number.isInteger(index) || index < 0 || index >= plan.count) {
    throw new RangeError(`chunk index ${index} is outside 0..${plan.count - 1}`);
  }
  const startMs = index === 0 ? plan.startMs : plan.firstBoundaryMs + (index - 1) * plan.chunkMs;
  const endMs = Math.min(plan.firstBoundaryMs + index * plan.chunkMs, plan.endMs);
  return { startMs, endMs };
}
