/**
 * Merging stats of parts into the stats of their union, without the rows: exact where the maths allows it (counts,
 * moments, extremes), from the merged sketch for quantiles, and named approximations for distinct and top values.
 * Also: what a stored file must look like to be merged at all.
 */
import { describe, expect, it } from 'vitest';
import { mergeViewStats } from '../../../../src/engine/stats/merge.js';
import { parseViewStats } from '../../../../src/engine/stats/schema.js';
import { newSketch } from '../../../../src/engine/stats/sketch.js';
import type { FeatureStats, ViewStats } from '../../../../src/engine/stats/types.js';
import { rng } from '../../../helpers/prng.js';

function sampleStats(values: readonly number[]): Pick<FeatureStats, 'count' | 'mean' | 'stddev' | 'min' | 'max'> {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const m2 = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { count: n, mean, stddev: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0, min: Math.min(...values), max: Math.max(...values) };
}

function part(start: string, end: string, values: readonly number[], nulls: number, topK: FeatureStats['topK'] = []): ViewStats {
  return {
    view: 'v', start, end, rows: values.length + nulls,
    features: [
      { feature: 'x', dtype: 'float64', ...sampleStats(values), nulls, nullRate: nulls / (values.length + nulls), distinct: values.length, sketch: newSketch() },
      { feature: 's', dtype: 'string', count: values.length, nulls, nullRate: 0, topK },
    ],
  };
}

describe('merging stats', () => {
  it('combines counts, mean and standard deviation exactly, whatever the split', () => {
    const next = rng(7);
    const all = Array.from({ length: 500 }, () => next() * 100 - 30);
    for (const cut of [1, 2, 137, 499]) {
      const merged = mergeViewStats('v', 'a', 'c', [part('a', 'b', all.slice(0, cut), 3), part('b', 'c', all.slice(cut), 5)]);
      const x = merged.features[0] as FeatureStats;
      const exact = sampleStats(all);
      expect(x.count).toBe(500);
      expect(x.nulls).toBe(8);
      expect(x.nullRate).toBeCloseTo(8 / 508, 12);
      expect(x.mean).toBeCloseTo(exact.mean as number, 9);
      expect(x.stddev).toBeCloseTo(exact.stddev as number, 9);
      expect([x.min, x.max]).toEqual([exact.min, exact.max]);
      expect(merged.rows).toBe(508);
    }
  });

  it('adds top values up, keeps ten, and breaks ties by value', () => {
    const a = part('a', 'b', [1], 0, [{ value: 'fr', count: 5 }, { value: 'de', count: 2 }]);
    const b = part('b', 'c', [2], 0, [{ value: 'de', count: 4 }, { value: 'it', count: 1 }, { value: 'es', count: 1 }]);
    const s = mergeViewStats('v', 'a', 'c', [a, b]).features[1] as FeatureStats;
    expect(s.topK).toEqual([{ value: 'de', count: 6 }, { value: 'fr', count: 5 }, { value: 'es', count: 1 }, { value: 'it', count: 1 }]);
  });

  it('gives the largest part\'s distinct count, a lower bound of the union\'s', () => {
    const merged = mergeViewStats('v', 'a', 'c', [part('a', 'b', [1, 2, 3], 0), part('b', 'c', [4], 0)]);
    expect(merged.features[0]?.distinct).toBe(3);
  });

  it('returns a single part covering the range as stored', () => {
    const only = part('a', 'b', [1, 2], 0);
    expect(mergeViewStats('v', 'a', 'b', [only])).toBe(only);
  });

  it('refuses a stored file that is not statistics, naming the file and the path in it', () => {
    expect(() => parseViewStats('{"view":"v","start":"a","end":"b","rows":-1,"features":[]}', 'f.parquet')).toThrow(/f\.parquet holds invalid statistics at rows/);
    expect(() => parseViewStats('nope', 'g.parquet')).toThrow(expect.objectContaining({ code: 'STATS_CORRUPT' }));
  });
});
