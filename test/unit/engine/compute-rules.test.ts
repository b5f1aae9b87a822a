/**
 * Hand-written aggregation cases, one per rule of SPEC section 1 (window edges, no leakage, which entities get a
 * row), plus output types and the checks that run before any work.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { InvalidRequestError } from '../../../src/engine/errors.js';
import { NotFoundError } from '../../../src/registry/errors.js';
import type { AggregationFeature, RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

const ts = (text: string) => `TIMESTAMPTZ '${text}+00'`;
const agg = (features: AggregationFeature[], windows = ['1d', '2d']) => ({ cadence: '1d', windows, features });

const repo: RepoInput = {
  project: 'rules',
  entities: [{ name: 'user', joinKeys: ['user_id'] }],
  sources: [{ name: 'events', type: 'table', table: 'events' }],
  featureViews: [
    {
      name: 'edges', entities: ['user'], source: 'events',
      aggregation: agg([
        { name: 'n', function: 'count' },
        { name: 'p', function: 'count', filter: "kind = 'P'" },
        { name: 'p_sum', function: 'sum', column: 'amount', filter: "kind = 'P'" },
        { name: 'p_last', function: 'last', column: 'amount', filter: "kind = 'P'" },
      ]),
    },
    {
      name: 'typed', entities: ['user'], source: 'events',
      aggregation: agg(
        (['count', 'count_distinct', 'sum', 'avg', 'stddev', 'min', 'max', 'last'] as const).map((fn) => ({
          name: `q_${fn}`, function: fn, column: 'qty',
        })),
        ['7d'],
      ),
    },
    { name: 'bad_column', entities: ['user'], source: 'events', aggregation: agg([{ name: 'x', function: 'sum', column: 'nope' }]) },
    { name: 'bad_filter', entities: ['user'], source: 'events', aggregation: agg([{ name: 'x', function: 'count', filter: "knd = 'P'" }]) },
    { name: 'number_filter', entities: ['user'], source: 'events', aggregation: agg([{ name: 'x', function: 'count', filter: 'amount + 1' }]) },
    { name: 'text_sum', entities: ['user'], source: 'events', aggregation: agg([{ name: 'x', function: 'sum', column: 'kind' }]) },
    { name: 'plain', entities: ['user'], source: 'events', schema: [{ name: 'amount', dtype: 'float64' }] },
  ],
};

// Ticks are daily; t = 2024-01-03. User 1 has events exactly at t, at t - 1d, at t - 1d + 1µs, at t + 1µs and at
// t - 2d; user 2 only an event failing the filter; user 3 only an event after the last tick; user 4 only an event
// exactly at (first tick - largest window), which no tick covers.
const events = `SELECT * FROM (VALUES
    (1, ${ts('2024-01-03 00:00:00')}, 'P', 1.0, 1),
    (1, ${ts('2024-01-02 00:00:00')}, 'P', 10.0, 2),
    (1, ${ts('2024-01-02 00:00:00.000001')}, 'P', 100.0, 2),
    (1, ${ts('2024-01-03 00:00:00.000001')}, 'P', 1000.0, 3),
    (1, ${ts('2024-01-01 00:00:00')}, 'P', 10000.0, NULL),
    (2, ${ts('2024-01-01 12:00:00')}, 'R', 5.0, 7),
    (3, ${ts('2024-01-04 00:00:00.000001')}, 'P', 5.0, 7),
    (4, ${ts('2023-12-30 00:00:00')}, 'P', 5.0, 7)
  ) t(user_id, event_timestamp, kind, amount, qty)`;

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, { events: `SELECT * REPLACE (qty::INTEGER AS qty, amount::DOUBLE AS amount) FROM (${events})` });
});
afterAll(() => engine.close());

async function read(view: string, columns = '*'): Promise<Array<Record<string, unknown>>> {
  const glob = path.join(engine.dir, '.featureflow/offline', view, '*', '*.parquet');
  return engine.ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(
      `SELECT ${columns} FROM read_parquet('${glob}', hive_partitioning = false) ORDER BY event_timestamp, user_id`,
    );
    return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
  });
}

describe('window edges and which entities get rows', () => {
  it('counts t - w < e <= t, never a later event, and emits rows only for entities with an event in (t - 2d, t]', async () => {
    await computeFeatures(engine.ctx, 'edges', at('2024-01-01 00:00'), at('2024-01-05 00:00'));
    const rows = await read('edges', `user_id, strftime(event_timestamp, '%m-%d') AS day, * EXCLUDE (user_id, event_timestamp)`);
    expect(rows).toEqual([
      { user_id: 1, day: '01-01', n_1d: '1', n_2d: '1', p_1d: '1', p_2d: '1', p_sum_1d: 10000, p_sum_2d: 10000, p_last_1d: 10000, p_last_2d: 10000 },
      // The event at 01-01 00:00 is exactly t - 1d for this tick: out of the 1d window, in the 2d one.
      { user_id: 1, day: '01-02', n_1d: '1', n_2d: '2', p_1d: '1', p_2d: '2', p_sum_1d: 10, p_sum_2d: 10010, p_last_1d: 10, p_last_2d: 10 },
      // User 2's only event fails the filter: a row with 0 and nulls, because it has an event in (t - 2d, t].
      { user_id: 2, day: '01-02', n_1d: '1', n_2d: '1', p_1d: '0', p_2d: '0', p_sum_1d: null, p_sum_2d: null, p_last_1d: null, p_last_2d: null },
      // At t: the events at t and t - 1d + 1µs count for 1d; t - 1d only for 2d; t + 1µs for neither.
      { user_id: 1, day: '01-03', n_1d: '2', n_2d: '3', p_1d: '2', p_2d: '3', p_sum_1d: 101, p_sum_2d: 111, p_last_1d: 1, p_last_2d: 1 },
      { user_id: 2, day: '01-03', n_1d: '0', n_2d: '1', p_1d: '0', p_2d: '0', p_sum_1d: null, p_sum_2d: null, p_last_1d: null, p_last_2d: null },
      { user_id: 1, day: '01-04', n_1d: '1', n_2d: '3', p_1d: '1', p_2d: '3', p_sum_1d: 1000, p_sum_2d: 1101, p_last_1d: 1000, p_last_2d: 1000 },
    ]);
  });

  it('writes nothing for a range without a tick', async () => {
    const result = await computeFeatures(engine.ctx, 'edges', at('2024-01-05 00:00:01'), at('2024-01-05 23:00'));
    expect(result).toMatchObject({ rowsWritten: 0, files: [] });
  });
});

describe('output columns', () => {
  it('orders columns as keys, event_timestamp, then features by window, with stable types', async () => {
    await computeFeatures(engine.ctx, 'typed', at('2024-01-03 00:00'), at('2024-01-04 00:00'));
    const glob = path.join(engine.dir, '.featureflow/offline/typed/*/*.parquet');
    const described = await engine.ctx.db.withConnection(async (conn) =>
      (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`)).getRowObjectsJson(),
    );
    expect(described.map((c) => [c['column_name'], c['column_type']])).toEqual([
      ['user_id', 'INTEGER'],
      ['event_timestamp', 'TIMESTAMP WITH TIME ZONE'],
      ['q_count_7d', 'BIGINT'],
      ['q_count_distinct_7d', 'BIGINT'],
      ['q_sum_7d', 'DOUBLE'],
      ['q_avg_7d', 'DOUBLE'],
      ['q_stddev_7d', 'DOUBLE'],
      ['q_min_7d', 'INTEGER'],
      ['q_max_7d', 'INTEGER'],
      ['q_last_7d', 'INTEGER'],
    ]);
    // User 1 at 01-03: qty 1, 2, 2 (NULL skipped; the event at 01-03 00:00:00.000001 is after the tick).
    expect((await read('typed')).find((r) => r['user_id'] === 1)).toMatchObject({
      q_count_7d: '3', q_count_distinct_7d: '2', q_sum_7d: 5, q_min_7d: 1, q_max_7d: 2, q_last_7d: 1,
    });
  });
});

describe('checks before computing', () => {
  it.each([
    ['bad_column', /view "bad_column", aggregation "x": column "nope" is not valid over the source/],
    ['bad_filter', /view "bad_filter", aggregation "x": filter "knd = 'P'" is not valid/],
    ['number_filter', /filter "amount \+ 1" is DOUBLE, not a boolean expression/],
    ['text_sum', /sum needs a numeric column, but "kind" is VARCHAR/],
    ['plain', /view "plain" is not computed/],
  ])('rejects view %s with an InvalidRequestError naming it', async (view, message) => {
    const attempt = computeFeatures(engine.ctx, view, at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    await expect(attempt).rejects.toThrow(InvalidRequestError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('rejects an unknown view and a range that ends before it starts', async () => {
    await expect(computeFeatures(engine.ctx, 'nope', at('2024-01-01 00:00'), at('2024-01-02 00:00'))).rejects.toThrow(NotFoundError);
    await expect(computeFeatures(engine.ctx, 'edges', at('2024-01-02 00:00'), at('2024-01-01 00:00'))).rejects.toThrow(/is before start/);
  });
});

describe('entities with several join keys', () => {
  it('aggregates per key combination, skipping events with a NULL key', async () => {
    const pairs = await testEngine(
      {
        project: 'pairs',
        entities: [{ name: 'user', joinKeys: ['user'] }, { name: 'shop', joinKeys: ['shop'] }],
        sources: [{ name: 'events', type: 'table', table: 'events' }],
        featureViews: [{
          name: 'pair', entities: ['user', 'shop'], source: 'events',
          aggregation: { cadence: '1d', windows: ['2d'], features: [{ name: 'n', function: 'count' }, { name: 'kinds', function: 'count_distinct', column: 'kind' }] },
        }],
      },
      {
        events: `SELECT * FROM (VALUES
            ('a', 'x', ${ts('2024-01-01 10:00:00')}, 'P'), ('a', 'x', ${ts('2024-01-01 11:00:00')}, 'R'),
            ('a', 'y', ${ts('2024-01-01 12:00:00')}, 'P'), ('b', 'x', ${ts('2024-01-02 10:00:00')}, 'P'),
            (NULL, 'x', ${ts('2024-01-01 10:00:00')}, 'P')
          ) t(user, shop, event_timestamp, kind)`,
      },
    );
    try {
      await computeFeatures(pairs.ctx, 'pair', at('2024-01-02 00:00'), at('2024-01-04 00:00'));
      const glob = path.join(pairs.dir, '.featureflow/offline/pair/*/*.parquet');
      const rows = await pairs.ctx.db.withConnection(async (conn) =>
        (await conn.runAndReadAll(
          `SELECT "user", shop, strftime(event_timestamp, '%m-%d') AS day, n_2d, kinds_2d FROM read_parquet('${glob}', hive_partitioning = false) ORDER BY ALL`,
        )).getRowObjectsJson(),
      );
      expect(rows).toEqual([
        { user: 'a', shop: 'x', day: '01-02', n_2d: '2', kinds_2d: '2' },
        { user: 'a', shop: 'x', day: '01-03', n_2d: '2', kinds_2d: '2' },
        { user: 'a', shop: 'y', day: '01-02', n_2d: '1', kinds_2d: '1' },
        { user: 'a', shop: 'y', day: '01-03', n_2d: '1', kinds_2d: '1' },
        { user: 'b', shop: 'x', day: '01-03', n_2d: '1', kinds_2d: '1' },
      ]);
    } finally {
      pairs.close();
    }
  });
});

describe('numerical stability', () => {
  it('keeps stddev exact for large values with a small spread across buckets', async () => {
    const big = await testEngine(
      {
        project: 'big',
        entities: [{ name: 'user', joinKeys: ['user_id'] }],
        sources: [{ name: 'events', type: 'table', table: 'events' }],
        featureViews: [{
          name: 'spread', entities: ['user'], source: 'events',
          aggregation: { cadence: '1d', windows: ['7d'], features: [{ name: 's', function: 'stddev', column: 'x' }] },
        }],
      },
      {
        events: `SELECT 1 AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_days(i::INTEGER) AS event_timestamp,
          1e9::DOUBLE + i + 1 AS x FROM range(3) r(i)`,
      },
    );
    try {
      await computeFeatures(big.ctx, 'spread', at('2024-01-03 00:00'), at('2024-01-04 00:00'));
      const glob = path.join(big.dir, '.featureflow/offline/spread/*/*.parquet');
      const value = await big.ctx.db.withConnection(async (conn) =>
        (await conn.runAndReadAll(`SELECT s_7d FROM read_parquet('${glob}', hive_partitioning = false)`)).getRowsJS()[0]?.[0],
      );
      expect(value).toBe(1);
    } finally {
      big.close();
    }
  });
});
