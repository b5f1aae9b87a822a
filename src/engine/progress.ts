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

export async function runWithProgress(
  conn: DuckDBConnection,
  sql: string,
  step: { step: number; steps: number; label: string },
  listener: ProgressListener | undefined,
): Promise<void> {
  if (!listener) {
    await conn.run(sql);
    return;
  }
  const started = performance.now();
  const emit = (percent: number | undefined, done: boolean): void =>
    listener({ ...step, percent, done, elapsedMs: performance.now() - started });
  emit(undefined, false);
  const timer = setInterval(() => {
    const p = conn.progress.percentage;
    emit(p >= 0 ? p : undefined, false);
  }, POLL_MS);
  try {
    await conn.run(sql);
  } finally {
    clearInterval(timer);
  }
  emit(100, true);
}
