/**
 * Windowed aggregations against the brute-force reference on random events: every function, filters, NULLs,
 * created-time ties, and events placed exactly on window edges (at t, at t - w, at t - w + 1µs, at t + 1µs).
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { eventsTableSql, referenceRows, rng, type RefEvent, type RefFeature, type RefRow } from './compute-reference.js';

const US = 1_000_000;
const HOUR = 3600 * US;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 2, 10) * 1000;

const FEATURES: RefFeature[] = [
  { name: 'n', fn: 'count' },
  { name: 'n_amount', fn: 'count', column: 'amount' },
  { name: 'purchases', fn: 'count', filter: { sql: "kind = 'P'", js: (e) => e.kind === 'P' } },
  { name: 'amount_sum', fn: 'sum', column: 'amount' },
  { name: 'p_avg', fn: 'avg', column: 'amount', filter: { sql: "kind = 'P'", js: (e) => e.kind === 'P' } },
  { name: 'amount_min', fn: 'min', column: 'amount' },
  { name: 'amount_max', fn: 'max', column: 'amount' },
  { name: 'cat_max', fn: 'max', column: 'cat' },
  { name: 'amount_std', fn: 'stddev', column: 'amount', filter: { sql: 'amount > -50', js: (e) => e.amount !== null && e.amount > -50 } },
  { name: 'cats', fn: 'count_distinct', column: 'cat' },
  { name: 'big_cats', fn: 'count_distinct', column: 'cat', filter: { sql: 'amount > 0', js: (e) => e.amount !== null && e.amount > 0 } },
  { name: 'last_cat', fn: 'last', column: 'cat' },
  { name: 'last_p_amount', fn: 'last', column: 'amount', filter: { sql: "kind = 'P'", js: (e) => e.kind === 'P' } },
];

interface Config {
  view: string;
  source: 'events' | 'events_no_created';
  cadence: [string, number];
  windows: Array<[string, number]>;
  start: number;
  end: number;
}

const CONFIGS: Config[] = [
  { view: 'hourly', source: 'events', cadence: ['1h', HOUR], windows: [['1h', HOUR], ['1d', DAY], ['7d', 7 * DAY]], start: T0, end: T0 + 2 * DAY },
  // gcd(1d, 36h) = 12h: buckets finer than the cadence.
  { view: 'daily', source: 'events_no_created', cadence: ['1d', DAY], windows: [['1d', DAY], ['36h', 36 * HOUR], ['7d', 7 * DAY]], start: T0 - DAY, end: T0 + 4 * DAY },
  // Range edges off the tick grid, windows not multiples of the cadence.
  { view: 'odd', source: 'events', cadence: ['2h', 2 * HOUR], windows: [['3h', 3 * HOUR], ['5h', 5 * HOUR]], start: T0 + 30 * 60 * US, end: T0 + DAY + 1000 },
];

function repo(): RepoInput {
  return {
    project: 'agg',
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [
      { name: 'events', type: 'table', table: 'events', createdTimestampField: 'created' },
      { name: 'events_no_created', type: 'table', table: 'events_plain' },
    ],
    featureViews: CONFIGS.map((c) => ({
      name: c.view,
      entities: ['user'],
      source: c.source,
      aggregation: {
        cadence: c.cadence[0],
        windows: c.windows.map(([w]) => w),
        features: FEATURES.map((f) => ({
          name: f.name,
          function: f.fn,
          ...(f.column ? { column: f.column } : {}),
          ...(f.filter ? { filter: f.filter.sql } : {}),
        })),
      },
    })),
  };
}

function randomEvents(seed: number): RefEvent[] {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const events: RefEvent[] = [];
  const add = (e: number): void => {
    const c = random() < 0.2 ? null : e + Math.floor(random() * 3) * US;
    const amount = random() < 0.15 ? null : Math.round((random() * 200 - 100) * 100) / 100;
    events.push({ key: 1 + Math.floor(random() * 6), e, c, amount, kind: pick(['P', 'R', null]), cat: pick(['a', 'b', 'c', 'd', null]) });
  };
  for (let i = 0; i < 300; i++) add(T0 - 9 * DAY + Math.floor(random() * 15 * DAY));
  // Window edges of every config: exactly at a tick, at t - w (excluded), t - w + 1µs (included), t + 1µs (future).
  for (let i = 0; i < 120; i++) {
    const config = pick(CONFIGS);
    const t = Math.ceil(config.start / config.cadence[1]) * config.cadence[1] + Math.floor(random() * 6) * config.cadence[1];
    const w = pick(config.windows)[1];
    add(pick([t, t - w, t - w + 1, t + 1, t - 1]));
  }
  // Same event time twice: `last` must break the tie on created time (then value).
  for (let i = 0; i < 30; i++) {
    const base = pick(events);
    add(base.e);
    (events.at(-1) as RefEvent).key = base.key;
  }
  return events;
}

async function computedRows(engine: TestEngine, view: string): Promise<RefRow[]> {
  const glob = path.join(engine.dir, '.featureflow/offline', view, '*', '*.parquet');
  return engine.ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(
      `SELECT * EXCLUDE (event_timestamp), epoch_us(event_timestamp) AS t FROM read_parquet('${glob}', hive_partitioning = false)
       ORDER BY t, user_id`,
    );
    return reader.getRowObjectsJS().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as number | string | null)])),
    );
  });
}

function expectRowsClose(actual: RefRow[], expected: RefRow[], context: string): void {
  expect(actual.map((r) => [r.user_id, r.t]), `${context}: rows`).toEqual(expected.map((r) => [r.user_id, r.t]));
  actual.forEach((row, i) => {
    const want = expected[i] as RefRow;
    for (const [column, value] of Object.entries(want)) {
      const got = row[column];
      const where = `${context}: user ${row.user_id} at ${new Date(Number(row.t) / 1000).toISOString()} ${column}`;
      if (typeof value === 'number' && typeof got === 'number') expect(got, where).toBeCloseTo(value, 6);
      else expect(got, where).toEqual(value);
    }
  });
}

let engine: TestEngine | undefined;
afterEach(() => engine?.close());

describe('windowed aggregations match a brute-force reference', () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees on every function, window and filter for random events (seed ${seed})`, async () => {
      const events = randomEvents(seed);
      engine = await testEngine(repo(), {
        events: eventsTableSql(events, true),
        events_plain: eventsTableSql(events, false),
      });
      for (const config of CONFIGS) {
        const result = await computeFeatures(engine.ctx, config.view, new Date(config.start / 1000), new Date(config.end / 1000));
        const sourceEvents = config.source === 'events' ? events : events.map((e) => ({ ...e, c: null }));
        const expected = referenceRows(sourceEvents, {
          features: FEATURES,
          windows: config.windows,
          cadence: config.cadence[1],
          start: config.start,
          end: config.end,
        });
        expect(expected.length, 'the reference has rows to compare').toBeGreaterThan(10);
        expect(result.rowsWritten).toBe(expected.length);
        expectRowsClose(await computedRows(engine, config.view), expected, `seed ${seed} view ${config.view}`);
      }
    });
  }
});
