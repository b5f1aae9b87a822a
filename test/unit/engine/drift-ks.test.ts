/**
 * Two-sample KS against scipy 1.17.1 (`scipy.stats.ks_2samp`, method='exact' and 'asymp') and
 * `scipy.special.kolmogorov`. The samples are low-discrepancy sequences both languages compute bit for bit:
 * a_i = (i * 0.6180339887498949) % 1 for i = 1..n, b_j = ((j * 1.4142135623730951) % 1) * 1.1 + shift for j = 1..m.
 */
import { describe, expect, it } from 'vitest';
import {
  EXACT_P_MAX_CELLS, kolmogorovSf, ksAsymptoticPValue, ksExactPValue, ksPValue, ksStatistic,
} from '../../../src/engine/stats/ks.js';

const sorted = (values: number[]) => Float64Array.from(values).sort();

function samples(n: number, m: number, shift: number): [Float64Array, Float64Array] {
  const a = Array.from({ length: n }, (_, i) => ((i + 1) * 0.6180339887498949) % 1);
  const b = Array.from({ length: m }, (_, j) => (((j + 1) * 1.4142135623730951) % 1) * 1.1 + shift);
  return [sorted(a), sorted(b)];
}

// [n, m, shift, D, exact p-value, asymptotic p-value (scipy: kstwo at round(en))]
const SCIPY: Array<[number, number, number, number, number, number]> = [
  [5, 6, 0.0, 0.23333333333333334, 0.9913419913419914, 0.9857777777777778],
  [10, 10, 0.3, 0.4, 0.41752365281777043, 0.3087999999999995],
  [20, 15, 0.4, 0.5333333333333333, 0.009931067266583568, 0.006443322451963748],
  [50, 40, 0.1, 0.2, 0.29744447196302415, 0.30064513225346157],
  [200, 150, 0.05, 0.14, 0.06388813596536205, 0.06216935916537301],
  [1000, 800, 0.02, 0.11, 3.9067959245227084e-5, 3.911858130024763e-5],
  [3000, 2500, 0.01, 0.1002, 2.2958770889341693e-12, 2.2501147308109344e-12],
];

describe('KS statistic and p-value', () => {
  it.each(SCIPY)('n=%i m=%i: D and the exact p-value equal scipy ks_2samp', (n, m, shift, d, exactP) => {
    const [a, b] = samples(n, m, shift);
    const got = ksStatistic(a, b);
    expect(got).toBeCloseTo(d, 12);
    const p = ksExactPValue(got, n, m);
    // 1 - P(inside) carries ~1e-14 of absolute error (float sums over 7.5M cells): under 1% at p = 2e-12.
    expect(Math.abs(p - exactP)).toBeLessThan(Math.max(1e-9 * exactP, 1e-13));
  });

  it.each(SCIPY.filter(([n]) => n >= 50))('n=%i m=%i: the asymptotic p-value is near scipy asymp and the exact one', (n, m, shift, _d, exactP, asympP) => {
    const [a, b] = samples(n, m, shift);
    const p = ksAsymptoticPValue(ksStatistic(a, b), n, m);
    expect(Math.abs(p - asympP)).toBeLessThan(0.01);
    expect(Math.abs(p - exactP)).toBeLessThan(0.01);
  });

  it('steps over ties together, as scipy does (D = 1/3, p = 0.8181818181818182)', () => {
    const a = sorted([1, 1, 2, 2, 3]);
    const b = sorted([1, 2, 2, 2, 4, 4]);
    expect(ksStatistic(a, b)).toBeCloseTo(1 / 3, 12);
    expect(ksExactPValue(ksStatistic(a, b), 5, 6)).toBeCloseTo(0.8181818181818182, 12);
  });

  it('matches the exact distribution counted by brute force over every arrangement (n = 6, m = 5)', () => {
    // Every way to interleave 6 a's and 5 b's is equally likely under H0; D depends only on the interleaving.
    const n = 6;
    const m = 5;
    const ds: number[] = [];
    for (let mask = 0; mask < 1 << (n + m); mask++) {
      let bits = 0;
      for (let x = mask; x; x &= x - 1) bits++;
      if (bits !== n) continue;
      let i = 0;
      let j = 0;
      let d = 0;
      for (let k = 0; k < n + m; k++) {
        if (mask & (1 << k)) i++;
        else j++;
        d = Math.max(d, Math.abs(i / n - j / m));
      }
      ds.push(d);
    }
    for (const d of [...new Set(ds)]) {
      const share = ds.filter((x) => x >= d - 1e-12).length / ds.length;
      expect(ksExactPValue(d, n, m)).toBeCloseTo(share, 12);
    }
  });

  it.each([
    [0.3, 0.9999906941986655], [0.5, 0.9639452436648751], [0.8, 0.5441424115741981], [1.0, 0.26999967167735456],
    [1.18, 0.1234538094297657], [1.2, 0.11224966667072497], [1.36, 0.049485876755377876],
    [1.63, 0.009846364888486529], [2.0, 0.0006709252557796953],
  ])('Kolmogorov P(K > %f) equals scipy.special.kolmogorov', (z, expected) => {
    expect(kolmogorovSf(z)).toBeCloseTo(expected, 12);
  });

  it('counts exactly up to EXACT_P_MAX_CELLS and uses the limit above', () => {
    expect(ksPValue(0.01, 3000, 3000).exact).toBe(true);
    expect(ksPValue(0.01, 100_000, 100_000).exact).toBe(false);
    expect(3000 * 3000).toBeLessThanOrEqual(EXACT_P_MAX_CELLS);
  });

  it('gives NaN, not a number that means something, for an empty side', () => {
    expect(ksStatistic(new Float64Array(), sorted([1]))).toBeNaN();
    expect(ksPValue(Number.NaN, 0, 3).pValue).toBeNaN();
  });
});
