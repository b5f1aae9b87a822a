/**
 * Stored statistics on a local offline store: computed per date (plain views by computeViewStats, computed views
 * while computeFeatures writes), merged over a range to what DuckDB says of the same rows, and snapshots.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../../src/engine/compute/index.js';
import { computeViewStats, loadSnapshot, loadStats, MAX_DATES_COMPUTED_ON_LOAD, saveSnapshot } from '../../../../src/engine/stats/store.js';
import type { FeatureStats } from '../../../../src/engine/stats/types.js';
import { at, testEngine, type TestEngine } from '../../../helpers/engine.js';

let engine: TestEngine;
beforeEach(async () => {
  engine = await testEngine(
    {
      project: 'stats',
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'events', type: 'table', table: 'events' }],
      featureViews: [
        {
          name: 'plain', entities: ['user'], source: 'events',
          schema: [{ name: 'x', dtype: 'float64' }, { name: 'n', dtype: 'int64' }, { name: 'city', dtype: 'string' }],
        },
        {
          name: 'hourly', entities: ['user'], source: 'events',
          aggregation: { cadence: '1h', windows: ['1h'], features: [{ name: 'total', function: 'sum', column: 'x' }] },
        },
      ],
    },
    // Three days of events every 10 minutes for 5 users; x skewed, some NULLs, cities with uneven frequencies.
    {
      events: `SELECT u AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(10 * i) AS event_timestamp,
        CASE WHEN (i + u) % 17 = 0 THEN NULL ELSE exp(((i * 7919 + u * 104729) % 1000) / 150.0) - 20 END::DOUBLE AS x,
        ((i * 31 + u) % 97)::BIGINT AS n,
        CASE WHEN i % 23 = 0 THEN NULL ELSE ['paris', 'lyon', 'nice', 'lille'][1 + ((i * i + u) % 7) % 4] END AS city
        FROM range(1, 6) a(u), range(0, 432) b(i)`,
    },
  );
});
afterEach(() => engine.close());

const statsDir = (view: string) => path.join(engine.dir, '.featureflow/offline/_stats', view);
const feature = (features: FeatureStats[], name: string) => features.find((f) => f.feature === name) as FeatureStats;

async function reference(where: string): Promise<Record<string, unknown>> {
  return engine.ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(
      `SELECT count(*) AS rows, count(x) AS n, avg(x) AS mean, stddev_samp(x) AS sd, min(x) AS lo, max(x) AS hi,
        quantile_cont(x, 0.5) AS p50, quantile_cont(x, 0.95) AS p95, count(city) AS cities
       FROM events WHERE ${where}`,
    );
    return reader.getRowObjectsJS()[0] as Record<string, unknown>;
  });
}

describe('stored statistics', () => {
  it('stats of one date equal DuckDB on the same rows, quantiles within the sketch\'s accuracy', async () => {
    await computeViewStats(engine.ctx, 'plain', at('2024-01-02 00:00'), at('2024-01-03 00:00'));
    const stats = await loadStats(engine.ctx, 'plain', at('2024-01-02 00:00'), at('2024-01-03 00:00'));
    const ref = await reference(`event_timestamp >= '2024-01-02' AND event_timestamp < '2024-01-03'`);
    const x = feature(stats.features, 'x');
    expect(stats.rows).toBe(Number(ref['rows']));
    expect(x.count).toBe(Number(ref['n']));
    expect(x.nulls).toBe(stats.rows - x.count);
    expect(x.mean).toBeCloseTo(Number(ref['mean']), 9);
    expect(x.stddev).toBeCloseTo(Number(ref['sd']), 9);
    expect(x.min).toBe(Number(ref['lo']));
    expect(x.max).toBe(Number(ref['hi']));
    // From the sketch: within its relative accuracy plus the gap between neighbouring order statistics.
    for (const q of ['p50', 'p95'] as const) {
      const exact = Number(ref[q]);
      expect(Math.abs((x.quantiles?.[q] ?? Number.NaN) - exact)).toBeLessThanOrEqual(Math.abs(exact) * 0.05 + 0.5);
    }
    expect(x.sketch?.count).toBe(x.count);
    const city = feature(stats.features, 'city');
    expect(city.count).toBe(Number(ref['cities']));
    expect(city.distinct).toBe(4);
    expect(city.topK?.reduce((n, t) => n + t.count, 0)).toBe(city.count);
    expect(readdirSync(statsDir('plain'))).toEqual(['date=2024-01-02']);
  });

  it('a range merges its dates: counts and moments exactly, quantiles from the merged sketch', async () => {
    await computeViewStats(engine.ctx, 'plain', at('2024-01-01 00:00'), at('2024-01-04 00:00'));
    const stats = await loadStats(engine.ctx, 'plain', at('2024-01-01 00:00'), at('2024-01-04 00:00'));
    const ref = await reference('true');
    const x = feature(stats.features, 'x');
    expect(stats.rows).toBe(Number(ref['rows']));
    expect(x.count).toBe(Number(ref['n']));
    expect(x.mean).toBeCloseTo(Number(ref['mean']), 9);
    expect(x.stddev).toBeCloseTo(Number(ref['sd']), 9);
    expect(x.min).toBe(Number(ref['lo']));
    expect(x.max).toBe(Number(ref['hi']));
    // The sketch's rank convention differs from quantile_cont's interpolation by at most a neighbouring value.
    const p50 = Number(ref['p50']);
    expect(Math.abs((x.quantiles?.p50 ?? 0) - p50)).toBeLessThanOrEqual(Math.abs(p50) * 0.05 + 0.5);
    expect(stats.start).toBe('2024-01-01T00:00:00.000Z');
    expect(stats.end).toBe('2024-01-04T00:00:00.000Z');
  });

  it('computes and stores the dates that have no stats yet when asked for a range', async () => {
    const stats = await loadStats(engine.ctx, 'plain', at('2024-01-01 00:00'), at('2024-01-03 00:00'));
    expect(stats.rows).toBe(2 * 144 * 5);
    expect(readdirSync(statsDir('plain')).sort()).toEqual(['date=2024-01-01', 'date=2024-01-02']);
  });

  it('computes but does not store a date that has not ended yet, so rows arriving later are not hidden', async () => {
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const tomorrow = new Date(today.getTime() + 86_400_000);
    const yesterday = new Date(today.getTime() - 86_400_000);
    const stats = await loadStats(engine.ctx, 'plain', yesterday, tomorrow);
    expect(stats.rows).toBe(0);
    expect(readdirSync(statsDir('plain'))).toEqual([`date=${yesterday.toISOString().slice(0, 10)}`]);
  });

  it('names the missing dates when too many have no stats to compute them on the spot', async () => {
    const end = new Date(at('2024-01-01 00:00').getTime() + (MAX_DATES_COMPUTED_ON_LOAD + 1) * 86_400_000);
    await expect(loadStats(engine.ctx, 'plain', at('2024-01-01 00:00'), end)).rejects.toMatchObject({
      code: 'STATS_MISSING',
      message: expect.stringContaining('2024-01-01, 2024-01-02'),
    });
  });

  it('computeFeatures stores each written date\'s stats, and a rewrite of part of a date supersedes them', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-03 00:00'));
    const dates = readdirSync(statsDir('hourly')).sort();
    expect(dates).toEqual(['date=2024-01-01', 'date=2024-01-02']);
    const first = await loadStats(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-03 00:00'));
    expect(first.rows).toBe(2 * 24 * 5);
    // Rewriting the middle of a date: the new range and both remainders get stats, the old file's are stale.
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 06:00'), at('2024-01-01 12:00'));
    expect(readdirSync(path.join(statsDir('hourly'), 'date=2024-01-01'))).toHaveLength(4);
    const again = await loadStats(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-03 00:00'));
    expect(again.rows).toBe(first.rows);
    expect(feature(again.features, 'total_1h').mean).toBeCloseTo(feature(first.features, 'total_1h').mean ?? 0, 9);
  });

  it('snapshots round-trip, and a missing one is named', async () => {
    const stats = await loadStats(engine.ctx, 'plain', at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    await saveSnapshot(engine.ctx, 'plain', 'baseline-1', stats);
    expect(existsSync(path.join(statsDir('plain'), '_snapshots', 'baseline-1.parquet'))).toBe(true);
    expect(await loadSnapshot(engine.ctx, 'plain', 'baseline-1')).toEqual(stats);
    await expect(loadSnapshot(engine.ctx, 'plain', 'nope')).rejects.toMatchObject({ code: 'STATS_MISSING' });
    await expect(saveSnapshot(engine.ctx, 'plain', '../x', stats)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});
