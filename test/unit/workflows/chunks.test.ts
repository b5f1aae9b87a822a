import { describe, expect, it } from 'vitest';
import { failureOf } from '../../helpers/failure.js';
import { chunkAt, planChunks, type ChunkPlan } from '../../../src/workflows/chunks.js';

const ms = (text: string): number => Date.parse(text);
const iso = (n: number): string => new Date(n).toISOString();
const DAY = 86_400;

function all(plan: ChunkPlan): Array<[string, string]> {
  return Array.from({ length: plan.count }, (_, i) => chunkAt(plan, i)).map((c) => [iso(c.startMs), iso(c.endMs)]);
}

describe('planChunks', () => {
  it('cuts an aligned range into whole chunks', () => {
    const plan = planChunks(ms('2024-01-01T00:00:00Z'), ms('2024-01-04T00:00:00Z'), DAY);
    expect(all(plan)).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z'],
      ['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z'],
      ['2024-01-03T00:00:00.000Z', '2024-01-04T00:00:00.000Z'],
    ]);
  });

  it('makes the last chunk shorter when the end is not on a boundary', () => {
    const plan = planChunks(ms('2024-01-01T00:00:00Z'), ms('2024-01-03T06:00:00Z'), DAY);
    expect(all(plan)).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z'],
      ['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z'],
      ['2024-01-03T00:00:00.000Z', '2024-01-03T06:00:00.000Z'],
    ]);
  });

  it('puts boundaries on multiples of the chunk since the epoch, so an unaligned start gives a shorter first chunk', () => {
    const plan = planChunks(ms('2024-01-01T18:00:00Z'), ms('2024-01-03T00:00:00Z'), DAY);
    expect(all(plan)).toEqual([
      ['2024-01-01T18:00:00.000Z', '2024-01-02T00:00:00.000Z'],
      ['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z'],
    ]);
  });

  it('gives one chunk for a range inside a single chunk', () => {
    const plan = planChunks(ms('2024-01-01T01:00:00Z'), ms('2024-01-01T02:00:00Z'), DAY);
    expect(all(plan)).toEqual([['2024-01-01T01:00:00.000Z', '2024-01-01T02:00:00.000Z']]);
  });

  it('covers the range exactly, without gaps or overlaps, for odd chunk sizes', () => {
    const start = ms('2023-12-31T23:59:13Z');
    const end = ms('2024-01-02T07:00:00Z');
    const plan = planChunks(start, end, 7 * 3600 + 11);
    let at = start;
    for (let i = 0; i < plan.count; i++) {
      const c = chunkAt(plan, i);
      expect(c.startMs).toBe(at);
      expect(c.endMs).toBeGreaterThan(c.startMs);
      expect(c.endMs - c.startMs).toBeLessThanOrEqual(plan.chunkMs);
      at = c.endMs;
    }
    expect(at).toBe(end);
  });

  it('counts a 10-year hourly backfill without building a list (87,672 chunks, leap days included)', () => {
    const plan = planChunks(ms('2015-01-01T00:00:00Z'), ms('2025-01-01T00:00:00Z'), 3600);
    expect(plan.count).toBe(87_672);
    expect(chunkAt(plan, plan.count - 1)).toEqual({ startMs: ms('2024-12-31T23:00:00Z'), endMs: ms('2025-01-01T00:00:00Z') });
  });

  it('rejects a chunk of 0 or less with a non-retryable failure that says why', () => {
    for (const chunk of [0, -3600]) {
      const failure = failureOf(() => planChunks(ms('2024-01-01'), ms('2024-01-02'), chunk));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe('INVALID_BACKFILL_INPUT');
      expect(failure.message).toContain('the chunk must be longer than 0');
    }
  });

  it('rejects start >= end with a non-retryable failure naming both instants', () => {
    for (const [start, end] of [['2024-01-02', '2024-01-01'], ['2024-01-01', '2024-01-01']] as const) {
      const failure = failureOf(() => planChunks(ms(start), ms(end), DAY));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toBe(`backfill: start (${iso(ms(start))}) must be before end (${iso(ms(end))})`);
    }
  });

  it('refuses chunk indexes outside the plan', () => {
    const plan = planChunks(ms('2024-01-01'), ms('2024-01-02'), DAY);
    expect(() => chunkAt(plan, 1)).toThrow(RangeError);
    expect(() => chunkAt(plan, -1)).toThrow(RangeError);
  });
});
