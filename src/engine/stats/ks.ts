/**
 * The two-sample Kolmogorov-Smirnov test: D from two sorted samples, and its two-sided p-value. The p-value is
 * exact (lattice-path count, as R's psmirnov and scipy's ks_2samp method='exact') while n * m is small enough to
 * count in a few tens of milliseconds, and the Kolmogorov limit with Stephens' small-sample correction above that.
 * Like both of those, it assumes no ties.
 */

/** Largest n * m whose exact p-value is counted (~1e7 cell updates, tens of ms); above it the limit is close. */
export const EXACT_P_MAX_CELLS = 10_000_000;

/** sup |F_a - F_b| over both samples' values; ties are stepped over together, so D is right for discrete data. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < n && (a[i] as number) <= x) i++;
    while (j < m && (b[j] as number) <= x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return d;
}

/**
 * P(D >= d) when both samples come from one continuous distribution, counting the monotone lattice paths from
 * (0,0) to (m,n) that stay strictly inside |i/m - j/n| < d (Hodges 1958). Row i is weighted by i/(i+n) so cells hold
 * path counts over C(i+n, n) (never overflowing), and rescaled to a maximum of 1 with the scale kept as a logarithm:
 * those fractions underflow to 0 within the band from a few thousand values on (R's psmirnov2x without the rescale).
 */
export function ksExactPValue(d: number, n: number, m: number): number {
  const [small, large] = n <= m ? [n, m] : [m, n];
  // D * n * m is an integer: paths with |i/m - j/n| >= d are those above q (half a step below d).
  const q = (0.5 + Math.floor(d * small * large - 1e-7)) / (small * large);
  const u = new Float64Array(large + 1);
  for (let j = 0; j <= large; j++) u[j] = j / large > q ? 0 : 1;
  let logScale = 0;
  for (let i = 1; i <= small; i++) {
    const w = i / (i + large);
    u[0] = i / small > q ? 0 : w * (u[0] as number);
    let max = u[0] as number;
    for (let j = 1; j <= large; j++) {
      u[j] = Math.abs(i / small - j / large) > q ? 0 : w * (u[j] as number) + (u[j - 1] as number);
      if ((u[j] as number) > max) max = u[j] as number;
    }
    if (max > 0 && max < 1e-100) {
      for (let j = 0; j <= large; j++) u[j] = (u[j] as number) / max;
      logScale += Math.log(max);
    }
  }
  return clamp01(1 - (u[large] as number) * Math.exp(logScale));
}

/** Kolmogorov's limit distribution: P(K > z). Two series, each fast where the other is slow. */
export function kolmogorovSf(z: number): number {
  if (!(z > 0)) return 1;
  if (z < 1.18) {
    // P(K <= z) = sqrt(2 pi) / z * sum_k exp(-(2k-1)^2 pi^2 / (8 z^2))
    const t = (Math.PI * Math.PI) / (8 * z * z);
    let sum = 0;
    for (let k = 1; k <= 20; k++) sum += Math.exp(-((2 * k - 1) ** 2) * t);
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / z) * sum);
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * z * z);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return clamp01(2 * sum);
}

/** P(D >= d) from the limit, with Stephens' (1970) correction of sqrt(en) that keeps it close for small samples. */
export function ksAsymptoticPValue(d: number, n: number, m: number): number {
  const en = Math.sqrt((n * m) / (n + m));
  return kolmogorovSf((en + 0.12 + 0.11 / en) * d);
}

export interface KsPValue {
  pValue: number;
  exact: boolean;
}

export function ksPValue(d: number, n: number, m: number): KsPValue {
  if (!Number.isFinite(d) || n === 0 || m === 0) return { pValue: Number.NaN, exact: false };
  if (n * m <= EXACT_P_MAX_CELLS) return { pValue: ksExactPValue(d, n, m), exact: true };
  return { pValue: ksAsymptoticPValue(d, n, m), exact: false };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
