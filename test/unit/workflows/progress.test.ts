import { describe, expect, it } from 'vitest';
import { activeMs, etaSeconds, formatSeconds, percentDone, progressMarkdown } from '../../../src/workflows/progress.js';
import type { BackfillProgress } from '../../../src/workflows/shared.js';

describe('activeMs', () => {
  it('is the time since the start when never paused', () => {
    expect(activeMs({ startedAtMs: 1000, nowMs: 61_000, pausedMs: 0 })).toBe(60_000);
  });

  it('leaves out finished pauses and the current one', () => {
    expect(activeMs({ startedAtMs: 0, nowMs: 100_000, pausedMs: 20_000 })).toBe(80_000);
    expect(activeMs({ startedAtMs: 0, nowMs: 100_000, pausedMs: 20_000, pausedSinceMs: 90_000 })).toBe(70_000);
  });

  it('never goes below zero', () => {
    expect(activeMs({ startedAtMs: 5000, nowMs: 1000, pausedMs: 0 })).toBe(0);
  });
});

describe('etaSeconds', () => {
  it('is unknown (null) before the first chunk finished', () => {
    expect(etaSeconds(0, 10, 5000)).toBeNull();
  });

  it('extrapolates the average pace so far to the chunks left, rounding up', () => {
    // 4 chunks in 20 s: 5 s a chunk (at the current parallelism), 6 left.
    expect(etaSeconds(4, 10, 20_000)).toBe(30);
    expect(etaSeconds(3, 10, 1000)).toBe(3); // 2.33 s rounds up
  });

  it('is 0 when everything is done', () => {
    expect(etaSeconds(10, 10, 1)).toBe(0);
    expect(etaSeconds(0, 0, 0)).toBe(0);
  });
});

describe('formatting', () => {
  it('formats durations compactly', () => {
    expect(formatSeconds(45)).toBe('45s');
    expect(formatSeconds(192)).toBe('3m 12s');
    expect(formatSeconds(7500)).toBe('2h 05m');
    expect(formatSeconds(3 * 86_400 + 4 * 3600)).toBe('3d 4h');
  });

  it('gives percentages with one decimal, rounded down so 100% means done', () => {
    expect(percentDone(1, 3)).toBe(33.3);
    expect(percentDone(999, 1000)).toBe(99.9);
    expect(percentDone(0, 0)).toBe(100);
  });

  it('renders the UI markdown with counts, ETA, state and running chunks', () => {
    const p: BackfillProgress = {
      view: 'user_txn',
      chunksDone: 2,
      chunksTotal: 8,
      rowsWritten: 1234,
      keysWritten: 0,
      running: [{ start: '2024-01-03T00:00:00.000Z', end: '2024-01-04T00:00:00.000Z' }],
      paused: true,
      state: 'paused',
      startedAt: '2024-06-01T00:00:00.000Z',
      etaSeconds: 75,
      runs: 1,
    };
    const md = progressMarkdown(p, { start: '2024-01-01T00:00:00.000Z', end: '2024-01-09T00:00:00.000Z', chunk: '1d' });
    expect(md).toContain('**Backfill `user_txn`** [2024-01-01T00:00:00.000Z, 2024-01-09T00:00:00.000Z) in chunks of 1d');
    expect(md).toContain('- chunks: 2 / 8 (25%)');
    expect(md).toContain('- ETA: 1m 15s');
    expect(md).toContain('- state: paused (signal `resume` to continue)');
    expect(md).toContain('- running: [2024-01-03T00:00:00.000Z, 2024-01-04T00:00:00.000Z)');
    expect(md).toContain('continued as new 1 time');
  });
});
