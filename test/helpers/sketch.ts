/**
 * A minimal DDSketch builder in the stored NumericSketch shape, for drift tests until the stats module's sketch.ts
 * is merged: bucket ceil(log_gamma |v|), gamma from a relative accuracy, |v| below minIndexed as zero.
 */
import type { NumericSketch } from '../../src/engine/stats/types.js';

export function buildSketch(values: Iterable<number>, relativeAccuracy = 0.01, minIndexed = 1e-9): NumericSketch {
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
  const logGamma = Math.log(gamma);
  const sketch: NumericSketch = { kind: 'ddsketch', gamma, minIndexed, zero: 0, positive: {}, negative: {}, count: 0 };
  for (const v of values) {
    sketch.count++;
    if (Math.abs(v) < minIndexed) {
      sketch.zero++;
      continue;
    }
    const side = v > 0 ? sketch.positive : sketch.negative;
    const key = String(Math.ceil(Math.log(Math.abs(v)) / logGamma));
    side[key] = (side[key] ?? 0) + 1;
  }
  return sketch;
}

/** Standard normal draws from uniform ones (Box-Muller), so tests stay on the seeded prng. */
export function normals(random: () => number, n: number, mean = 0, sd = 1): number[] {
  return Array.from({ length: n }, () => {
    const u = 1 - random();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
}
