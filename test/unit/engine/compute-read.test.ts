/**
 * Computed views as the rest of the engine reads them: transform views, point-in-time joins over computed rows,
 * the latest-row export (materialization) with dtypes inferred from the computed files, and clear errors before
 * anything was computed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { InvalidRequestError } from '../../../src/engine/errors.js';
import { literalList } from '../../../src/engine/sql.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { exportLatestRows, type LatestRow } from '../../../src/engine/latest.js';
import { findView } from '../../../src/registry/features.js';
import { RepoSchema, type AggregationFeature, type RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

const txnFeatures: AggregationFeature[] = [
  { name: 'txns', function: 'count' },
  { name: 'spend', function: 'avg', column: 'amount' },
  { name: 'biggest', function: 'max', column: 'qty' },
  { name: 'shop', function: 'last', column: 'shop' },
];

const repo: RepoInput = {
  project: 'read',
  entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
  sources: [{ name: 'raw', type: 'table', table: 'raw', timestampField: 'ts' }],
  featureViews: [
    {
      name: 'doubled', entities: ['user'], source: 'raw',
      transform: { sql: 'SELECT user_id, ts, amount * 2 AS doubled FROM {source} WHERE amount > 0' },
      schema: [{ name: 'doubled', dtype: 'float32' }],
    },
    { name: 'txn', entities: ['user'], source: 'raw', ttl: '2d', aggregation: { cadence: '1d', windows: ['1d', '7d'], features: txnFeatures } },
    { name: 'never', entities: ['user'], source: 'raw', aggregation: { cadence: '1d', windows: ['1d'], features: [{ name: 'n', function: 'count' }] } },
  ],
};

const ts = (text: string) => `TIMESTAMP '2024-01-${text}'`;
let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, {
    raw: `SELECT * FROM (VALUES
        (1, ${ts('01 10:00')}, 10.0, 1::INTEGER, 'north'),
        (1, ${ts('02 09:00')}, 30.0, 3::INTEGER, 'south'),
        (2, ${ts('02 12:00')}, -5.0, 2::INTEGER, 'east'),
        (1, ${ts('05 08:00')}, 20.0, 2::INTEGER, NULL)
      ) t(user_id, ts, amount, qty, shop)`,
  });
  await computeFeatures(engine.ctx, 'txn', at('2024-01-01 00:00'), at('2024-01-07 00:00'));
});
afterAll(() => engine.close());

describe('transform views', () => {
  it('writes the transform rows of [start, end) as keys, event_timestamp and the schema in its dtypes', async () => {
    const result = await computeFeatures(engine.ctx, 'doubled', at('2024-01-01 00:00'), at('2024-01-05 08:00'));
    expect(result.rowsWritten).toBe(2);
    const rows = await engine.ctx.db.withConnection(async (conn) =>
      (await conn.runAndReadAll(`SELECT * FROM read_parquet(${literalList(result.files)}, hive_partitioning = false) ORDER BY event_timestamp`)).getRowObjectsJson(),
    );
    expect(rows).toEqual([
      { user_id: 1, event_timestamp: '2024-01-01 10:00:00+00', doubled: 20 },
      { user_id: 1, event_timestamp: '2024-01-02 09:00:00+00', doubled: 60 },
    ]);
  });

  it('reports a transform that does not produce the schema', async () => {
    const broken = RepoSchema.parse({
      ...repo,
      featureViews: [{ ...repo.featureViews?.[0], schema: [{ name: 'tripled', dtype: 'float64' }] }],
    });
    const attempt = computeFeatures({ ...engine.ctx, repo: broken }, 'doubled', at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    await expect(attempt).rejects.toThrow(/view "doubled": the transform's output has no column "tripled"/);
  });
});

describe('point-in-time joins over computed rows', () => {
  it('joins the tick at or before each entity row, within the TTL', async () => {
    const set = await getHistoricalFeatures(
      engine.ctx,
      {
        rows: [
          { user_id: 1, event_timestamp: new Date('2024-01-01T23:59:59Z') },
          { user_id: 1, event_timestamp: new Date('2024-01-03T12:00:00Z') },
          { user_id: 2, event_timestamp: new Date('2024-01-04T00:00:00Z') },
          { user_id: 1, event_timestamp: new Date('2024-01-06T00:00:00Z') },
        ],
      },
      ['txn:txns_1d', 'txn:txns_7d', 'txn:spend_7d', 'txn:shop_7d'],
    );
    try {
      const rows = await set.toRows();
      expect(rows.map((r) => [r['txns_1d'], r['txns_7d'], r['spend_7d'], r['shop_7d']])).toEqual([
        // The first tick after the 01-01 event is 01-02 00:00: nothing is known before it.
        [null, null, null, null],
        // Tick 01-03: 01-02's event in the 1d window, both in 7d.
        [1n, 2n, 20, 'south'],
        // Tick 01-04: user 2's event still in 7d.
        [0n, 1n, -5, 'east'],
        // Tick 01-06: the NULL shop is skipped by last.
        [1n, 3n, 20, 'south'],
      ]);
    } finally {
      set.close();
    }
  });

  it('asks to compute a view that has no rows yet instead of failing on missing files', async () => {
    const attempt = getHistoricalFeatures(engine.ctx, { rows: [{ user_id: 1, event_timestamp: new Date() }] }, ['never:n_1d']);
    await expect(attempt).rejects.toThrow(InvalidRequestError);
    await expect(attempt).rejects.toThrow(/"never" is computed and has no offline rows yet .*compute or backfill it first/);
  });

  it('reads rows of an older definition with NULL for features it did not have', async () => {
    const newer = RepoSchema.parse({
      ...repo,
      featureViews: [{ ...repo.featureViews?.[1], aggregation: { cadence: '1d', windows: ['1d', '7d'], features: [...txnFeatures, { name: 'qty_sum', function: 'sum', column: 'qty' }] } }],
    });
    const ctx = { ...engine.ctx, repo: newer };
    await computeFeatures(ctx, 'txn', at('2024-01-06 00:00'), at('2024-01-07 00:00'));
    const set = await getHistoricalFeatures(
      ctx,
      { rows: [{ user_id: 1, event_timestamp: new Date('2024-01-05T12:00:00Z') }, { user_id: 1, event_timestamp: new Date('2024-01-06T00:00:00Z') }] },
      ['txn:qty_sum_7d', 'txn:txns_7d'],
    );
    try {
      expect((await set.toRows()).map((r) => [r['qty_sum_7d'], r['txns_7d']])).toEqual([[null, 2n], [6, 3n]]);
    } finally {
      set.close();
      // Leave the original definition's rows for the other tests.
      await computeFeatures(engine.ctx, 'txn', at('2024-01-06 00:00'), at('2024-01-07 00:00'));
    }
  });
});

describe('latest rows of a computed view', () => {
  it('encodes aggregation columns with dtypes inferred from the computed files', async () => {
    const rows: LatestRow[] = [];
    await exportLatestRows(engine.ctx, findView(engine.ctx.repo, 'txn'), { start: undefined, end: at('2024-01-07 00:00') }, async (batch) => {
      rows.push(...batch);
    });
    rows.sort((a, b) => a.key.localeCompare(b.key));
    expect(rows.map((r) => [r.key, new Date(r.eventMicros / 1000).toISOString(), JSON.parse(r.payload)])).toEqual([
      // txns (int64), spend (float64), biggest (max of INTEGER: int32), shop (last of VARCHAR: string); 1d then 7d.
      ['i1', '2024-01-06T00:00:00.000Z', [1, 3, 20, 20, 2, 3, null, 'south']],
      ['i2', '2024-01-06T00:00:00.000Z', [0, 1, null, -5, null, 2, null, 'east']],
    ]);
  });
});
