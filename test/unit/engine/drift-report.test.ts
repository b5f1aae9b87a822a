/**
 * computeDrift's work (computeDriftFrom) and the report it builds, with statistics from a fake reader computed
 * from the same rows the exact KS test reads: the stored statistics (store.ts) are the stats module's to test.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EngineContext } from '../../../src/engine/context.js';
import { computeDriftFrom, type ComputeDriftOptions } from '../../../src/engine/stats/drift-compute.js';
import { driftReport } from '../../../src/engine/stats/drift-report.js';
import { readSortedValues } from '../../../src/engine/stats/exact-samples.js';
import { driftThresholds } from '../../../src/engine/stats/metrics.js';
import type { FeatureStats, ViewStats } from '../../../src/engine/stats/types.js';
import { findView } from '../../../src/registry/features.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';
import { buildSketch } from '../../helpers/sketch.js';

const store = {
  loadStats: vi.fn<(ctx: EngineContext, view: string, start: Date, end: Date) => Promise<ViewStats>>(),
  loadSnapshot: vi.fn<(ctx: EngineContext, view: string, name: string) => Promise<ViewStats>>(),
};
const computeDrift = (ctx: EngineContext, view: string, opts: ComputeDriftOptions) => computeDriftFrom(store, ctx, view, opts);

function numeric(feature: string, values: Array<number | null>): FeatureStats {
  const present = values.filter((v): v is number => v !== null);
  const nulls = values.length - present.length;
  // As the stats module counts: `count` is the non-null values.
  return { feature, dtype: 'float64', count: present.length, nulls, nullRate: nulls / values.length, sketch: buildSketch(present) };
}

function strings(feature: string, values: Array<string | null>): FeatureStats {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const nulls = values.filter((v) => v === null).length;
  const topK = [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  return { feature, dtype: 'string', count: values.length - nulls, nulls, nullRate: nulls / values.length, topK };
}

const range = (start: string, end: string, rows: number, features: FeatureStats[]): ViewStats => ({ view: 'tx', start, end, rows, features });

let engine: TestEngine;
const N = 2000;
// Day 1 and day 2 draw `amount` from one distribution; day 3 shifts it, and turns `channel` and nulls around.
const DAYS = `SELECT (i % 50) AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + (d - 1) * INTERVAL 1 DAY + i * INTERVAL 1 SECOND AS event_timestamp,
    CASE WHEN d = 3 AND i % 10 = 0 THEN NULL ELSE ((i * 0.6180339887498949) % 1) * 100 + CASE WHEN d = 3 THEN 30 ELSE d END END AS amount,
    CASE WHEN d = 3 THEN (CASE WHEN i % 2 = 0 THEN 'web' ELSE 'app' END) ELSE (CASE WHEN i % 5 = 0 THEN 'app' ELSE 'web' END) END AS channel,
    (i % 7)::DOUBLE AS steady
  FROM range(${N}) r(i), range(1, 4) days(d)`;

async function statsOf(day: number): Promise<ViewStats> {
  const view = findView(engine.ctx.repo, 'tx');
  const start = at(`2024-01-0${day} 00:00`);
  const end = at(`2024-01-0${day + 1} 00:00`);
  const values = await readSortedValues(engine.ctx, view, ['amount', 'steady'], { start, end });
  const channel = await engine.ctx.db.withConnection(async (c) =>
    (await c.runAndReadAll(`SELECT channel FROM days WHERE event_timestamp >= '${start.toISOString()}' AND event_timestamp < '${end.toISOString()}'`)).getRowsJS().map((r) => r[0] as string | null),
  );
  const amount = [...(values.get('amount') ?? [])];
  const nullAmounts = Array<null>(N - amount.length).fill(null);
  return range(start.toISOString(), end.toISOString(), N, [
    numeric('amount', [...amount, ...nullAmounts]), strings('channel', channel), numeric('steady', [...(values.get('steady') ?? [])]),
  ]);
}

beforeAll(async () => {
  engine = await testEngine(
    {
      project: 'drift',
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      sources: [{ name: 'days_src', type: 'table', table: 'days' }, { name: 'odd_src', type: 'table', table: 'odd' }],
      featureViews: [{
        name: 'tx', entities: ['user'], source: 'days_src',
        schema: [{ name: 'amount', dtype: 'float64' }, { name: 'channel', dtype: 'string' }, { name: 'steady', dtype: 'float64' }],
        drift: { psi: { warn: 0.2 } },
      }, { name: 'odd', entities: ['user'], source: 'odd_src', schema: [{ name: 'v', dtype: 'float64' }] }],
    },
    {
      days: DAYS,
      odd: `SELECT 1 AS user_id, TIMESTAMPTZ '2024-01-01 10:00:00+00' AS event_timestamp, v
        FROM (VALUES (3.0), ('NaN'::DOUBLE), (NULL), ('Infinity'::DOUBLE), (-1.5), ('-Infinity'::DOUBLE), (3.0)) t(v)`,
    },
  );
  const byStart = new Map<number, ViewStats>();
  for (const day of [1, 2, 3]) byStart.set(at(`2024-01-0${day} 00:00`).getTime(), await statsOf(day));
  store.loadStats.mockImplementation(async (_ctx, _view, start) => {
    const stats = byStart.get(start.getTime());
    if (!stats) throw new Error(`no stats from ${start.toISOString()}`);
    return stats;
  });
  store.loadSnapshot.mockImplementation(async () => byStart.get(at('2024-01-01 00:00').getTime()) as ViewStats);
}, 60_000);
afterAll(() => engine.close());

const day = (d: number) => ({ start: at(`2024-01-0${d} 00:00`), end: at(`2024-01-0${d + 1} 00:00`) });

describe('computeDrift', () => {
  it('reports no drift between two days of one distribution, with an exact KS test on small ranges', async () => {
    const report = await computeDrift(engine.ctx, 'tx', { reference: day(1), current: day(2) });
    expect(report.level).toBe('ok');
    expect(report.features.map((f) => f.feature)).toEqual(['amount', 'channel', 'steady']);
    const amount = report.features[0];
    expect(amount?.ks?.method).toBe('exact');
    expect(amount?.psi).toBeLessThan(0.1);
    expect(report.features[1]?.js).toBe(0);
    expect(report.reference).toEqual({ start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T00:00:00.000Z', rows: N });
  });

  it('alerts on a planted drift, naming each metric that crossed its threshold', async () => {
    const report = await computeDrift(engine.ctx, 'tx', { reference: day(1), current: day(3) });
    expect(report.level).toBe('alert');
    const [amount, channel, steady] = report.features;
    expect(amount?.level).toBe('alert');
    expect(amount?.nullDeltaPoints).toBeCloseTo(10, 9);
    expect(amount?.reasons.some((r) => r.startsWith('PSI'))).toBe(true);
    expect(amount?.reasons).toContain('null rate +10 points (limit 5)');
    expect(amount?.ks?.pValue).toBeLessThan(1e-6);
    expect(channel?.level).toBe('alert');
    expect(channel?.js).toBeGreaterThan(0.1);
    expect(steady?.level).toBe('ok');
  });

  it('uses the view drift block: a PSI of 0.12 warns by default and not with the view\'s warn at 0.2', async () => {
    // 100 values, 7 of the lowest tenth moved above the top: bin shares 0.03 ... 0.17, PSI 0.121; KS p ~0.96.
    const ref = Array.from({ length: 100 }, (_, i) => i + 0.5);
    const cur = ref.map((v, i) => (i < 7 ? v + 100 : v));
    const reader = {
      loadStats: async (_c: EngineContext, _v: string, start: Date) =>
        range(start.toISOString(), start.toISOString(), 100, [numeric('amount', start.getTime() === day(1).start.getTime() ? ref : cur)]),
      loadSnapshot: () => Promise.reject(new Error('unused')),
    };
    const report = await computeDriftFrom(reader, engine.ctx, 'tx', { reference: day(1), current: day(2), exactMaxValues: 0 });
    const amount = report.features[0];
    expect(amount?.psi).toBeGreaterThan(0.1);
    expect(amount?.psi).toBeLessThan(0.2);
    expect(amount?.level).toBe('ok');
    const byDefault = driftReport({ reference: range('a', 'b', 100, [numeric('amount', ref)]), current: range('b', 'c', 100, [numeric('amount', cur)]), thresholds: driftThresholds(undefined), features: ['amount'] });
    expect(byDefault.features[0]?.level).toBe('warn');
  });

  it('takes KS D from the sketches above the exact limit, within 0.01 of the exact D', async () => {
    const exact = await computeDrift(engine.ctx, 'tx', { reference: day(1), current: day(3) });
    const sketch = await computeDrift(engine.ctx, 'tx', { reference: day(1), current: day(3), exactMaxValues: 100 });
    expect(sketch.features[0]?.ks?.method).toBe('sketch');
    expect(Math.abs((sketch.features[0]?.ks?.d ?? 0) - (exact.features[0]?.ks?.d ?? 1))).toBeLessThan(0.01);
  });

  it('compares with a saved snapshot from its sketches and names the snapshot', async () => {
    const report = await computeDrift(engine.ctx, 'tx', { reference: { snapshot: 'launch' }, current: day(2) });
    expect(report.reference.snapshot).toBe('launch');
    expect(report.features[0]?.ks?.method).toBe('sketch');
    expect(store.loadSnapshot).toHaveBeenCalledWith(engine.ctx, 'tx', 'launch');
  });

  it('gives the identical report when run twice on the same data', async () => {
    const first = await computeDrift(engine.ctx, 'tx', { reference: day(1), current: day(3) });
    const second = await computeDrift(engine.ctx, 'tx', { reference: day(1), current: day(3) });
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('reports a feature only one side has statistics for as a warning', async () => {
    const ref = await statsOf(1);
    const cur = { ...ref, features: ref.features.filter((f) => f.feature !== 'steady') };
    const report = driftReport({ reference: ref, current: cur, thresholds: driftThresholds(undefined), features: ['amount', 'steady'] });
    expect(report.features[1]).toEqual({ feature: 'steady', dtype: 'float64', nullDeltaPoints: 0, level: 'warn', reasons: ['no statistics in the current range'] });
  });

  it('reads the exact KS values sorted, without nulls, NaN or infinities (the sketches leave them out too)', async () => {
    const values = await readSortedValues(engine.ctx, findView(engine.ctx.repo, 'odd'), ['v'], day(1));
    expect([...(values.get('v') ?? [])]).toEqual([-1.5, 3, 3]);
    const none = await readSortedValues(engine.ctx, findView(engine.ctx.repo, 'odd'), ['v'], day(2));
    expect([...(none.get('v') ?? [1])]).toEqual([]);
  });

  it('refuses an unknown view', async () => {
    await expect(computeDrift(engine.ctx, 'nope', { reference: day(1), current: day(2) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
