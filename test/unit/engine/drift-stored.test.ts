/**
 * computeDrift end to end on statistics stored by the stats module (computed on load for a plain view, and a
 * saved snapshot): the exact KS path reads the same rows the stored sketches summarise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriftChecks } from '../../../src/drift/compute.js';
import { lazyComputeDrift } from '../../../src/drift/engine-loader.js';
import { computeDrift } from '../../../src/engine/stats/drift.js';
import { loadStats, saveSnapshot } from '../../../src/engine/stats/store.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(
    {
      project: 'drift_stored',
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'events', type: 'table', table: 'events' }],
      featureViews: [{
        name: 'plain', entities: ['user'], source: 'events',
        schema: [{ name: 'x', dtype: 'float64' }, { name: 'city', dtype: 'string' }],
        drift: { reference: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }, window: '1d' },
      }],
    },
    // Three days every 10 minutes for 5 users; day 3 moves x up by 5 and sends every city to 'paris'.
    {
      events: `SELECT u AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(10 * i) AS event_timestamp,
        (((i * 7919 + u * 104729) % 1000) / 100.0 + CASE WHEN i >= 288 THEN 5 ELSE 0 END)::DOUBLE AS x,
        CASE WHEN i >= 288 THEN 'paris' ELSE ['paris', 'lyon', 'nice', 'lille'][1 + ((i * i + u) % 7) % 4] END AS city
        FROM range(1, 6) a(u), range(0, 432) b(i)`,
    },
  );
}, 60_000);
afterAll(() => engine.close());

const day = (d: number) => ({ start: at(`2024-01-0${d} 00:00`), end: at(`2024-01-0${d + 1} 00:00`) });

describe('computeDrift on stored statistics', () => {
  it('finds no drift between two days of one distribution and alerts on the day that moved', async () => {
    const same = await computeDrift(engine.ctx, 'plain', { reference: day(1), current: day(2) });
    expect(same.features.map((f) => [f.feature, f.level])).toEqual([['x', 'ok'], ['city', 'ok']]);
    expect(same.features[0]?.ks?.method).toBe('exact');
    const moved = await computeDrift(engine.ctx, 'plain', { reference: day(1), current: day(3) });
    expect(moved.level).toBe('alert');
    expect(moved.features[0]?.psi).toBeGreaterThan(0.25);
    expect(moved.features[1]?.js).toBeGreaterThan(0.1);
    expect(moved.current.rows).toBe(720);
  });

  it('is what a drift check loads and runs (checkDrift, featureflow drift --run)', async () => {
    const [check] = await runDriftChecks(engine.ctx, lazyComputeDrift, ['plain'], at('2024-01-04 00:00'));
    expect(check?.report.current).toEqual({ start: '2024-01-03T00:00:00.000Z', end: '2024-01-04T00:00:00.000Z', rows: 720 });
    expect(check?.report.level).toBe('alert');
  });

  it('against a snapshot, takes KS from the sketches and names the snapshot', async () => {
    await saveSnapshot(engine.ctx, 'plain', 'launch', await loadStats(engine.ctx, 'plain', day(1).start, day(1).end));
    const report = await computeDrift(engine.ctx, 'plain', { reference: { snapshot: 'launch' }, current: day(3) });
    expect(report.reference.snapshot).toBe('launch');
    expect(report.features[0]?.ks?.method).toBe('sketch');
    const exact = await computeDrift(engine.ctx, 'plain', { reference: day(1), current: day(3) });
    expect(Math.abs((report.features[0]?.ks?.d ?? 0) - (exact.features[0]?.ks?.d ?? 1))).toBeLessThan(0.01);
  });
});
