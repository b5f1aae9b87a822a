/**
 * Checking workflow inputs, which may come from the Temporal UI's form as any JSON at all. Hand-written rather
 * than zod because this runs inside the workflow sandbox, where a small dependency-free check keeps the bundle lean
 * and deterministic; like our zod errors, every problem is reported at once with the field it concerns. The client
 * runs the same check before starting, so the CLI fails fast with the same words.
 */
import { ApplicationFailure } from '@temporalio/common';
import { tryParseDuration } from '../registry/duration.js';
import type { ErrorCode } from '../registry/error-codes.js';
import { parseInstantMs } from '../registry/instant.js';
import { chunkProblem, INVALID_BACKFILL_INPUT, rangeProblem } from './chunks.js';
import type { BackfillCarried, BackfillInput } from './contracts/backfill.js';

export const DEFAULTS = {
  chunk: '1d',
  parallelism: 4,
  maxHistoryEvents: 2000,
  memoEveryChunks: 20,
  heartbeatTimeout: '30s',
} as const;

// Temporal allows at most 2,000 pending activities per workflow and fails a history at 51,200 events.
const MAX_PARALLELISM = 1000;
const HISTORY_EVENTS_RANGE = [20, 40_000] as const;

/** `Date.toISOString()` of an instant, so equal instants give equal workflow ids. */
export function canonicalInstant(text: string): string {
  const ms = parseInstantMs(text);
  if (ms === undefined) {
    throw ApplicationFailure.nonRetryable(`${JSON.stringify(text)} is not an ISO-8601 date or date-time`, INVALID_BACKFILL_INPUT);
  }
  return new Date(ms).toISOString();
}

export interface ResolvedBackfill {
  view: string;
  startMs: number;
  endMs: number;
  chunkSeconds: number;
  parallelism: number;
  materialize: boolean;
  maxHistoryEvents: number;
  memoEveryChunks: number;
  heartbeatTimeoutMs: number;
  carried: BackfillCarried | undefined;
}

export interface ResolvedRange {
  view: string;
  startMs: number;
  endMs: number;
}

/** The `{ view, start, end }` of computeFeatures; throws one non-retryable failure listing every problem. */
export function resolveComputeInput(input: unknown): ResolvedRange {
  const problems: string[] = [];
  const range = checkRange(objectInput(input, 'computeFeatures'), problems);
  if (problems.length > 0) throw invalid('computeFeatures', problems);
  return range as ResolvedRange;
}

/** Defaults applied and every field checked; throws one non-retryable failure listing every problem. */
export function resolveBackfillInput(input: unknown): ResolvedBackfill {
  const raw: Partial<Record<keyof BackfillInput, unknown>> = objectInput(input, 'backfill');
  const problems: string[] = [];
  const { view, startMs, endMs } = checkRange(raw, problems);
  const chunkSeconds = duration(raw.chunk ?? DEFAULTS.chunk, 'chunk', problems);
  if (chunkSeconds !== undefined) {
    const chunk = chunkProblem(chunkSeconds);
    if (chunk) problems.push(`chunk: ${chunk}`);
  }
  const heartbeatSeconds = duration(raw.heartbeatTimeout ?? DEFAULTS.heartbeatTimeout, 'heartbeatTimeout', problems);
  if (heartbeatSeconds === 0) problems.push('heartbeatTimeout: must be at least 1s');
  const parallelism = wholeNumber(raw.parallelism ?? DEFAULTS.parallelism, 'parallelism', [1, MAX_PARALLELISM], problems);
  const maxHistoryEvents = wholeNumber(
    raw.maxHistoryEvents ?? DEFAULTS.maxHistoryEvents,
    'maxHistoryEvents',
    HISTORY_EVENTS_RANGE,
    problems,
  );
  const memoEveryChunks = wholeNumber(raw.memoEveryChunks ?? DEFAULTS.memoEveryChunks, 'memoEveryChunks', [1, 1e9], problems);
  if (raw.carried !== undefined && !isCarried(raw.carried)) {
    problems.push('carried: is set by the workflow itself when it continues as new; leave it out when starting a backfill');
  }
  const materialize = raw.materialize ?? false;
  if (typeof materialize !== 'boolean') problems.push(`materialize: must be true or false, got ${JSON.stringify(materialize)}`);
  if (problems.length > 0) throw invalid('backfill', problems);
  return {
    view: view as string,
    startMs: startMs as number,
    endMs: endMs as number,
    chunkSeconds: chunkSeconds as number,
    parallelism: parallelism as number,
    materialize: materialize as boolean,
    maxHistoryEvents: maxHistoryEvents as number,
    memoEveryChunks: memoEveryChunks as number,
    heartbeatTimeoutMs: (heartbeatSeconds as number) * 1000,
    carried: raw.carried as BackfillCarried | undefined,
  };
}

export function objectInput(
  input: unknown,
  workflow: string,
  example = '{"view":"user_txn","start":"2024-01-01","end":"2024-02-01"}',
  type: ErrorCode = INVALID_BACKFILL_INPUT,
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(workflow, [`the input must be one JSON object like ${example}`], type);
  }
  return input as Record<string, unknown>;
}

/** Fields the input may not have: a misspelt optional field would otherwise be ignored without a word. */
export function unknownFields(raw: Record<string, unknown>, known: readonly string[], problems: string[]): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) problems.push(`${key}: unknown field; the input takes ${known.join(', ')}`);
  }
}

function checkRange(raw: Record<string, unknown>, problems: string[]): Partial<ResolvedRange> {
  const view = typeof raw.view === 'string' && raw.view.trim() !== '' ? raw.view : undefined;
  if (view === undefined) problems.push(`view: must be the name of a feature view, got ${JSON.stringify(raw.view)}`);
  const startMs = parseInstantMs(raw.start);
  if (startMs === undefined) problems.push(`start: ${JSON.stringify(raw.start)} is not an ISO-8601 date or date-time`);
  const endMs = parseInstantMs(raw.end);
  if (endMs === undefined) problems.push(`end: ${JSON.stringify(raw.end)} is not an ISO-8601 date or date-time`);
  if (startMs !== undefined && endMs !== undefined) {
    const range = rangeProblem(startMs, endMs);
    if (range) problems.push(`start: ${range}`);
  }
  return { view, startMs, endMs };
}

/** Only shape: a run given nonsense here would throw inside the workflow, where errors retry forever. */
function isCarried(value: unknown): value is BackfillCarried {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const counts = ['nextChunk', 'chunksDone', 'rowsWritten', 'keysWritten', 'pausedMs', 'runs'];
  return (
    counts.every((k) => typeof c[k] === 'number' && Number.isInteger(c[k]) && (c[k] as number) >= 0) &&
    parseInstantMs(c.startedAt) !== undefined &&
    (c.pausedSince === undefined || parseInstantMs(c.pausedSince) !== undefined) &&
    (c.newestEvent === undefined || parseInstantMs(c.newestEvent) !== undefined)
  );
}

export function duration(value: unknown, field: string, problems: string[]): number | undefined {
  const seconds = tryParseDuration(value);
  if (seconds === undefined) {
    problems.push(`${field}: ${JSON.stringify(value)} is not a duration: use a whole number of seconds or a number with a unit, like 90s, 15m, 2h, 1d, 1w`);
  }
  return seconds;
}

export function wholeNumber(value: unknown, field: string, [min, max]: readonly [number, number], problems: string[]): number | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${field}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

/** Every problem of a workflow's input as one non-retryable failure (a workflow task error would retry forever). */
export function invalid(workflow: string, problems: string[], type: ErrorCode = INVALID_BACKFILL_INPUT): ApplicationFailure {
  const s = problems.length === 1 ? '' : 's';
  return ApplicationFailure.nonRetryable(`${workflow} input is invalid (${problems.length} problem${s}):\n  ${problems.join('\n  ')}`, type);
}

/** The failure type of the workflows added after backfill (which keeps INVALID_BACKFILL_INPUT for compatibility). */
export const INVALID_WORKFLOW_INPUT = 'INVALID_WORKFLOW_INPUT' satisfies ErrorCode;

/** An optional list of view names: absent, or an array of non-empty strings. */
export function viewList(value: unknown, field: string, problems: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    problems.push(`${field}: must be a list of feature view names like ["user_stats"], got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value.length === 0 ? undefined : (value as string[]);
}

/** An optional instant: absent, or ISO-8601. */
export function optionalInstant(value: unknown, field: string, problems: string[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = parseInstantMs(value);
  if (ms === undefined) problems.push(`${field}: ${JSON.stringify(value)} is not an ISO-8601 date or date-time`);
  return ms;
}
