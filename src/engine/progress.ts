/**
 * Progress of long DuckDB statements: while one runs, DuckDB's own query progress is polled and passed on, so the
 * CLI can show a live figure instead of silence on a multi-second join.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export interface ProgressEvent {
  step: number;
  steps: number;
  label: string;
  /** 0-100 when DuckDB can estimate it, else undefined. */
  percent: number | undefined;
  done: boolean;
  elapsedMs: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

const POLL_MS = 250;

export interface ProgressStep {
  step: number;
  steps: number;
  label: string;
}

export async function runWithProgress(
  conn: DuckDBConnection,
  sql: string,
  step: ProgressStep,
  listener: ProgressListener | undefined,
): Promise<void> {
  await withProgress(conn, step, listener, async () => void (await conn.run(sql)));
}

/** Reports `step` while `work` runs statements on `conn` (a training set's query, which also runs its last join). */
export async function withProgress<T>(
  conn: DuckDBConnection,
  step: ProgressStep,
  listener: ProgressListener | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (!listener) return work();
  const started = performance.now();
  const emit = (percent: number | undefined, done: boolean): void =>
    listener({ ...step, percent, done, elapsedMs: performance.now() - started });
  emit(undefined, false);
  const timer = setInterval(() => {
    const p = conn.progress.percentage;
    emit(p >= 0 ? p : undefined, false);
  }, POLL_MS);
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  emit(100, true);
  return result;
}
