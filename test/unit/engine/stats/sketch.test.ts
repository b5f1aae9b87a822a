/**
 * The numeric sketch: built by DuckDB, merged without the rows, read back as quantiles within its relative
 * accuracy, and small enough to store whatever the values' magnitudes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../../src/engine/database.js';
import { mergeSketches, newSketch, SKETCH_ACCURACY, sketchBuckets, sketchCdf, sketchFromRows, sketchQuantile, sketchSql } from '../../../../src/engine/stats/sketch.js';
import type { NumericSketch } from '../../../../src/engine/stats/types.js';
import { rng } from '../../../helpers/prng.js';

let db: Database;
beforeAll(async () => {
  db = await Database.open({ threads: 2, memoryLimit: '1GB' });
});
afterAll(() => db.close());

/** A sketch of `values` built the way stats are: DuckDB buckets a table's column. */
async function sketchOf(values: readonly number[], table = 't'): Promise<NumericSketch> {
  return db.withConnection(async (conn) => {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} (v DOUBLE)`);
    const appender = await conn.createAppender(table);
    for (const v of values) {
      appender.appendDouble(v);
      appender.endRow();
    }
    appender.closeSync();
    const rows = (await conn.runAndReadAll(sketchSql(table, ['v']))).getRowObjectsJS();
    return sketchFromRows(rows.map((r) => ({ side: Number(r['side']), idx: Number(r['idx']), n: Number(r['n']) })));
  });
}

/** Exact q-quantile as the sketch defines rank: the value at rank floor(q * (n - 1)) of the sorted values. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

function randomValues(seed: number, n: number): number[] {
  const next = rng(seed);
  // Many magnitudes and both signs, with some zeros.
  return Array.from({ length: n }, () => {
    const r = next();
    if (r < 0.02) return 0;
    const magnitude = 10 ** (next() * 8 - 3);
    return r < 0.3 ? -magnitude : magnitude;
  });
}

describe('numeric sketch', () => {
  it('merging the sketches of two halves gives the same buckets as one sketch of everything', async () => {
    for (const seed of [1, 2, 3]) {
      const values = randomValues(seed, 4000);
      const whole = await sketchOf(values);
      const merged = mergeSketches(await sketchOf(values.slice(0, 1700)), await sketchOf(values.slice(1700)));
      expect(merged).toEqual(whole);
      expect(JSON.stringify(merged)).toBe(JSON.stringify(whole));
    }
  });

  it('quantiles are within the relative accuracy of the exact ones on random data', async () => {
    for (const seed of [11, 12, 13, 14]) {
      const values = randomValues(seed, 5000);
      const sorted = [...values].sort((a, b) => a - b);
      const sketch = await sketchOf(values);
      for (const q of [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1]) {
        const exact = exactQuantile(sorted, q);
        const approx = sketchQuantile(sketch, q);
        expect(Math.abs(approx - exact), `seed ${seed} q ${q}: ${approx} vs ${exact}`).toBeLessThanOrEqual(Math.abs(exact) * SKETCH_ACCURACY * 1.0001 + 1e-12);
      }
    }
  });

  it('the cdf is the fraction of values at or below x, up to one bucket', async () => {
    const values = randomValues(21, 3000);
    const sketch = await sketchOf(values);
    for (const x of [-100, -1, 0, 0.5, 3, 1000]) {
      const exact = values.filter((v) => v <= x).length / values.length;
      const near = values.filter((v) => Math.abs(v - x) <= Math.abs(x) * 2 * SKETCH_ACCURACY).length / values.length;
      expect(Math.abs(sketchCdf(sketch, x) - exact)).toBeLessThanOrEqual(near + 1e-9);
    }
  });

  it('buckets come in ascending value order and count every value', async () => {
    const values = randomValues(31, 2000);
    const buckets = sketchBuckets(await sketchOf(values));
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(values.length);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]?.lower ?? 0).toBeGreaterThanOrEqual(buckets[i - 1]?.upper ?? 0);
  });

  it('stays under 64 KiB serialised for a million random doubles over many magnitudes', async () => {
    const sketch = await db.withConnection(async (conn) => {
      // Generated in DuckDB: magnitudes from 1e-30 to 1e30, both signs.
      await conn.run(`CREATE OR REPLACE TEMP TABLE big AS SELECT (CASE WHEN random() < 0.5 THEN -1 ELSE 1 END) * pow(10, random() * 60 - 30) AS v FROM range(1000000)`);
      const rows = (await conn.runAndReadAll(sketchSql('big', ['v']))).getRowObjectsJS();
      return sketchFromRows(rows.map((r) => ({ side: Number(r['side']), idx: Number(r['idx']), n: Number(r['n']) })));
    });
    expect(sketch.count).toBe(1_000_000);
    const bytes = Buffer.byteLength(JSON.stringify(sketch));
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    // The collapsed buckets hold the smallest magnitudes; the top of the distribution stays accurate.
    expect(Math.abs(sketchQuantile(sketch, 0.99))).toBeGreaterThan(1e20);
  }, 120_000);

  it('an empty sketch merges as the identity and has no quantiles', () => {
    expect(Number.isNaN(sketchQuantile(newSketch(), 0.5))).toBe(true);
    const s: NumericSketch = { ...newSketch(), positive: { '5': 2 }, count: 2 };
    expect(mergeSketches(newSketch(), s)).toEqual(s);
  });

  it('refuses to merge sketches with different parameters', () => {
    expect(() => mergeSketches(newSketch(), { ...newSketch(), gamma: 1.1 })).toThrow(/different parameters/);
  });
});
