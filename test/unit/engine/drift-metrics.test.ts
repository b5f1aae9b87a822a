/**
 * PSI, Jensen-Shannon, null-rate change and levels. Reference values computed by hand with Python (PSI: the
 * formula of docs/feature-quality.md; JS: scipy.spatial.distance.jensenshannon(p, q, base=2)).
 */
import { describe, expect, it } from 'vitest';
import {
  assess, binShares, driftThresholds, jsDistance, nullDeltaPoints, psi, psiEdges, psiOfShares, worstLevel,
} from '../../../src/engine/stats/metrics.js';
import { ksStatistic } from '../../../src/engine/stats/ks.js';
import { countAtMost, sketchDistribution, sketchKsD } from '../../../src/engine/stats/sketch-steps.js';
import { rng } from '../../helpers/prng.js';
import { buildSketch, normals } from '../../helpers/sketch.js';

const dist = (values: number[]) => sketchDistribution(buildSketch(values));

describe('PSI', () => {
  it('equals the hand-computed value with 1e-4 smoothing', () => {
    const ref = Array<number>(10).fill(0.1);
    // Unsmoothed: 2 * 0.05 * ln 2 + 0.1 * ln 2 = 0.138629; smoothing moves it to 0.138341.
    expect(psiOfShares(ref, [0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2])).toBeCloseTo(0.13834128206781904, 12);
    // Empty bins stay finite: 6.807 instead of infinity.
    expect(psiOfShares(ref, [0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5])).toBeCloseTo(6.807107429705419, 10);
    expect(psiOfShares(ref, ref)).toBe(0);
  });

  it('puts ten bins on the reference deciles, on sketch bucket edges, and reads bin counts exactly', () => {
    const values = normals(rng(1), 20_000);
    const ref = dist(values);
    const edges = psiEdges(ref);
    expect(edges).toHaveLength(9);
    const shares = binShares(ref, edges);
    // Each bin holds a tenth, give or take the bucket the decile fell in.
    for (const s of shares) expect(Math.abs(s - 0.1)).toBeLessThan(0.01);
    // At edges the sketch's count is the true count of values <= edge.
    for (const e of edges) expect(countAtMost(ref, e)).toBe(values.filter((v) => v <= e).length);
  });

  it('merges the bins of a value repeated over more than a tenth of the data', () => {
    const values = [...Array<number>(500).fill(0), ...Array.from({ length: 500 }, (_, i) => i + 1)];
    const edges = psiEdges(dist(values));
    expect(new Set(edges).size).toBe(edges.length);
    expect(edges.filter((e) => e <= 0)).toEqual([0]);
  });

  it('is near 0 for two draws of one distribution and large for a shifted one', () => {
    const random = rng(2);
    const ref = dist(normals(random, 50_000));
    expect(psi(ref, dist(normals(random, 50_000)))).toBeLessThan(0.01);
    const shifted = psi(ref, dist(normals(random, 50_000, 1)));
    expect(shifted).toBeGreaterThan(0.25);
  });

  it('sees a constant feature move either way, and not when it stays', () => {
    const five = dist(Array<number>(1000).fill(5));
    expect(psi(five, dist(Array<number>(1000).fill(10)))).toBeGreaterThan(0.25);
    expect(psi(five, dist(Array<number>(1000).fill(2)))).toBeGreaterThan(0.25);
    expect(psi(five, dist(Array<number>(500).fill(5)))).toBe(0);
    const zero = dist(Array<number>(1000).fill(0));
    expect(psi(zero, dist(Array<number>(1000).fill(-1)))).toBeGreaterThan(0.25);
    expect(psi(zero, dist(Array<number>(1000).fill(1)))).toBeGreaterThan(0.25);
  });

  it('is NaN when a side has no values', () => {
    expect(psi(dist([]), dist([1, 2]))).toBeNaN();
  });
});

describe('sketch-based KS D', () => {
  const cases: Array<[string, (r: () => number) => number[], (r: () => number) => number[]]> = [
    ['normal vs normal', (r) => normals(r, 30_000), (r) => normals(r, 20_000)],
    ['normal vs shifted normal', (r) => normals(r, 30_000), (r) => normals(r, 20_000, 0.1, 1.2)],
    ['lognormal vs lognormal', (r) => normals(r, 30_000).map(Math.exp), (r) => normals(r, 20_000, 0.05).map(Math.exp)],
    ['values of both signs, with zeros', (r) => normals(r, 30_000, 0, 5).map((v) => (Math.abs(v) < 0.5 ? 0 : v)), (r) => normals(r, 20_000, 0.3, 5)],
  ];
  it.each(cases)('is within 0.01 of the exact D on random data: %s', (_name, a, b) => {
    for (const seed of [11, 12, 13]) {
      const random = rng(seed);
      const x = a(random);
      const y = b(random);
      const exact = ksStatistic(Float64Array.from(x).sort(), Float64Array.from(y).sort());
      expect(Math.abs(sketchKsD(dist(x), dist(y)) - exact)).toBeLessThan(0.01);
    }
  });

  it('reads sketches with different gammas (interpolating inside buckets)', () => {
    const random = rng(5);
    const x = normals(random, 20_000);
    const y = normals(random, 20_000, 0.2);
    const exact = ksStatistic(Float64Array.from(x).sort(), Float64Array.from(y).sort());
    const d = sketchKsD(sketchDistribution(buildSketch(x, 0.01)), sketchDistribution(buildSketch(y, 0.02)));
    expect(Math.abs(d - exact)).toBeLessThan(0.01);
  });
});

describe('Jensen-Shannon distance', () => {
  it('equals scipy jensenshannon(base=2)', () => {
    expect(jsDistance({ total: 2, top: [{ value: 'a', count: 1 }, { value: 'b', count: 1 }] }, { total: 1, top: [{ value: 'a', count: 1 }] }))
      .toBeCloseTo(0.5579230452841438, 12);
    const p = { total: 10, top: [{ value: 'w', count: 4 }, { value: 'x', count: 3 }, { value: 'y', count: 2 }, { value: 'z', count: 1 }] };
    const q = { total: 10, top: [{ value: 'z', count: 4 }, { value: 'y', count: 3 }, { value: 'x', count: 2 }, { value: 'w', count: 1 }] };
    expect(jsDistance(p, q)).toBeCloseTo(0.3918681606471552, 12);
    expect(jsDistance(p, p)).toBe(0);
  });

  it('keeps what is outside the top-k as one category of its own', () => {
    const top = [{ value: 'a', count: 50 }];
    // Same top value share; the rest (50) is spread differently but unseen: no drift is claimed.
    expect(jsDistance({ total: 100, top }, { total: 100, top })).toBe(0);
    expect(jsDistance({ total: 100, top }, { total: 200, top })).toBeGreaterThan(0.2);
  });

  it('is the same whatever order the top-k lists come in', () => {
    const a = { total: 9, top: [{ value: 'x', count: 5 }, { value: 'y', count: 3 }] };
    const b = { total: 9, top: [{ value: 'y', count: 4 }, { value: 'z', count: 2 }] };
    expect(jsDistance(a, b)).toBe(jsDistance({ ...a, top: [...a.top].reverse() }, { ...b, top: [...b.top].reverse() }));
  });
});

describe('levels', () => {
  const t = driftThresholds(undefined);

  it('uses DRIFT_DEFAULTS, and a view drift block overrides them one by one', () => {
    expect(t).toEqual({ psiWarn: 0.1, psiAlert: 0.25, ksPValue: 0.05, js: 0.1, nullDeltaPoints: 5 });
    expect(driftThresholds({ psi: { alert: 0.5 }, js: 0.2 })).toEqual({ ...t, psiAlert: 0.5, js: 0.2 });
  });

  it('warns on PSI over warn, alerts over alert, and says why', () => {
    expect(assess({ psi: 0.05, nullDeltaPoints: 0 }, t)).toEqual({ level: 'ok', reasons: [] });
    expect(assess({ psi: 0.12, nullDeltaPoints: 0 }, t)).toEqual({ level: 'warn', reasons: ['PSI 0.12 >= warn 0.1'] });
    expect(assess({ psi: 0.3, nullDeltaPoints: 0 }, t).level).toBe('alert');
  });

  it('only warns on a small KS p-value, and alerts on JS distance and on a null-rate change either way', () => {
    expect(assess({ ksPValue: 1e-9, nullDeltaPoints: 0 }, t)).toEqual({ level: 'warn', reasons: ['KS p-value 1e-9 < 0.05'] });
    expect(assess({ js: 0.1, nullDeltaPoints: 0 }, t).level).toBe('alert');
    expect(assess({ nullDeltaPoints: -6 }, t)).toEqual({ level: 'alert', reasons: ['null rate -6 points (limit 5)'] });
    expect(nullDeltaPoints(0.01, 0.07)).toBeCloseTo(6, 12);
  });

  it('takes the worst level', () => {
    expect(worstLevel([])).toBe('ok');
    expect(worstLevel(['warn', 'ok', 'alert', 'warn'])).toBe('alert');
  });
});
