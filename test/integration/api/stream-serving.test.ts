// Stream views served over HTTP from real Redis tiles: tiles written with applyTileBatch (as the ingest loop does),
// then /get-online-features as of instants set through the store's clock: sliding windows of several functions, a
// window rolling forward with no new events, OUTSIDE_MAX_AGE while the consumer lags, stored and stream features in
// one request, and the stream gauges of /metrics.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { computeFreshness } from '../../../src/freshness/compute.js';
import { encodeEntityKey } from '../../../src/online/keys.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import { applyTileBatch, touchStreamState, type TileRow } from '../../../src/online/stream-tiles.js';
import { encodeTileState, type TileState } from '../../../src/online/tile-codec.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const url = redisUrl();
const keyPrefix = freshPrefix().replace(/:$/, '');
const MINUTE = 60_000;
/** A minute boundary: tile k = T0 / 1 minute. */
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
/** The newest event applied, as Feast writes event timestamps. */
const WATERMARK = '2026-01-01T11:59:50Z';

const repo: Repo = RepoSchema.parse({
  project: 'st',
  onlineStore: { url, keyPrefix },
  entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' }],
  sources: [
    { name: 'txn_batch', type: 'file', path: 'data/txn.parquet' },
    { name: 'txn_stream', type: 'stream', batchSource: 'txn_batch', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.>', durable: 'ff' } },
  ],
  featureViews: [
    {
      name: 'card_txn',
      entities: ['card'],
      source: 'txn_stream',
      freshness: { maxStaleness: '2m' },
      aggregation: {
        cadence: '1m',
        windows: ['1m', '5m', '1h'],
        tile: '1m',
        features: [
          { name: 'n', function: 'count' },
          { name: 'total', function: 'sum', column: 'amount' },
          { name: 'mean', function: 'avg', column: 'amount' },
          { name: 'biggest', function: 'max', column: 'amount' },
          { name: 'spread', function: 'stddev', column: 'amount' },
          { name: 'merchants', function: 'count_distinct', column: 'merchant' },
          { name: 'merchant', function: 'last', column: 'merchant' },
        ],
      },
    },
    { name: 'card_plain', entities: ['card'], source: 'txn_batch', schema: [{ name: 'limit', dtype: 'float64' }] },
    {
      name: 'card_idle',
      entities: ['card'],
      source: 'txn_stream',
      freshness: { maxStaleness: '1m' },
      aggregation: { cadence: '1m', windows: ['5m'], features: [{ name: 'seen', function: 'count' }] },
    },
  ],
  featureServices: [{ name: 'fraud', features: { card_plain: ['limit'], card_txn: ['n_5m', 'merchant_1m'] } }],
});

/** The events of card 1: [ms before T0, amount, merchant]. */
const EVENTS: Array<[number, number, string]> = [
  [50 * MINUTE, 100, 'a'],
  [170_000, 10, 'b'],
  [30_000, 20, 'a'],
  [10_000, 30, 'c'],
];

function tileRows(entityKey: string): TileRow[] {
  const byTile = new Map<number, Array<[number, number, string]>>();
  for (const [before, amount, merchant] of EVENTS) {
    const ms = T0 - before;
    const tile = Math.floor(ms / MINUTE);
    byTile.set(tile, [...(byTile.get(tile) ?? []), [ms, amount, merchant]]);
  }
  return [...byTile].map(([tile, events]) => {
    const amounts = events.map((e) => e[1]);
    const n = amounts.length;
    const s = amounts.reduce((a, b) => a + b, 0);
    const mean = s / n;
    const newest = events.reduce((a, b) => (b[0] > a[0] ? b : a));
    const states: TileState[] = [
      { kind: 'count', n },
      { kind: 'sum', n, s },
      { kind: 'avg', n, s },
      { kind: 'max', v: Math.max(...amounts) },
      { kind: 'stddev', n, mean, m2: amounts.reduce((a, x) => a + (x - mean) ** 2, 0) },
      { kind: 'count_distinct', values: [...new Set(events.map((e) => JSON.stringify(e[2])))] },
      { kind: 'last', e: newest[0] * 1000, v: JSON.stringify(newest[2]) },
    ];
    return { entityKey, tile, states: states.map((st, f) => [f, st.kind, encodeTileState(st)] as const) };
  });
}

let now = T0;
let store: RedisOnlineStore;
let api: ApiServer;
let base: string;
const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const ref = { prefix: keyPrefix, project: 'st', view: 'card_txn' };

interface Result {
  metadata: { feature_names: string[] };
  results: Array<{ values: unknown[]; statuses: string[]; event_timestamps: string[] }>;
}

async function read(features: string[], cards: number[] = [1]): Promise<Result> {
  const response = await fetch(`${base}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entities: { card_id: cards }, features }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Result;
}

/** Each requested feature's value for card 1, by name. */
async function values(features: string[]): Promise<Record<string, unknown>> {
  const body = await read(features.map((f) => `card_txn:${f}`));
  return Object.fromEntries(features.map((f, i) => [f, body.results[i + 1]?.values[0]]));
}

beforeAll(async () => {
  await redis.connect();
  store = await connectOnlineStore({ url, keyPrefix, clock: () => now });
  api = createServer({ repo, store, logger: silentLogger });
  base = (await api.listen(0)).url;
  const kinds = ['count', 'sum', 'avg', 'max', 'stddev', 'count_distinct', 'last'] as const;
  const applied = await applyTileBatch(redis, {
    ...ref,
    expected: undefined,
    next: { positions: { '0': '4' }, watermarkMicros: (T0 - 10_000) * 1000, events: 4, late: 1, invalid: 2, updatedAtMs: T0 - 5000, caughtUpAtMs: T0 - 5000, pending: 0 },
    rows: tileRows(encodeEntityKey([1], ['int64'], ['card_id'])),
    retainTiles: 1000,
    tileMs: MINUTE,
    kinds,
  });
  expect(applied).toBe('applied');
  const plain = viewLayout(repo, 'card_plain');
  const schemaId = await store.registerLayout(plain);
  await store.writeRows(plain, schemaId, [encodeRow(plain, [1], new Date(T0 - MINUTE), null, [500])]);
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  await cleanupPrefix(redis, `${keyPrefix}:`);
  redis.disconnect();
});

describe('serving a stream view', () => {
  it('merges the tiles of each window at request time, for every function', async () => {
    now = T0;
    const names = ['n', 'total', 'mean', 'biggest', 'merchants', 'merchant'].flatMap((f) => ['1m', '5m', '1h'].map((w) => `${f}_${w}`));
    expect(await values(names)).toEqual({
      n_1m: 2, n_5m: 3, n_1h: 4,
      total_1m: 50, total_5m: 60, total_1h: 160,
      mean_1m: 25, mean_5m: 20, mean_1h: 40,
      biggest_1m: 30, biggest_5m: 30, biggest_1h: 100,
      merchants_1m: 2, merchants_5m: 3, merchants_1h: 3,
      merchant_1m: 'c', merchant_5m: 'c', merchant_1h: 'c',
    }); // prettier-ignore
    const { spread_1m: spread } = await values(['spread_1m']);
    expect(spread).toBeCloseTo(Math.sqrt(50), 12);
  });

  it('answers PRESENT with the watermark as event time, and an unknown entity with zero counts and NOT_FOUND', async () => {
    now = T0;
    const body = await read(['card_txn:n_5m', 'card_txn:total_5m'], [1, 2]);
    expect(body.metadata.feature_names).toEqual(['card_id', 'n_5m', 'total_5m']);
    expect(body.results[1]).toEqual({ values: [3, 0], statuses: ['PRESENT', 'PRESENT'], event_timestamps: [WATERMARK, WATERMARK] });
    expect(body.results[2]).toEqual({ values: [60, null], statuses: ['PRESENT', 'NOT_FOUND'], event_timestamps: [WATERMARK, '1970-01-01T00:00:00Z'] });
  });

  it('rolls the windows forward with no new events while the consumer is caught up', async () => {
    now = T0 + 2 * MINUTE;
    await touchStreamState(redis, ref, { updatedAtMs: now, caughtUpAtMs: now, pending: 0 });
    const body = await read(['card_txn:n_1m', 'card_txn:total_1m', 'card_txn:n_5m', 'card_txn:n_1h']);
    expect(body.results.slice(1).map((r) => [r.values[0], r.statuses[0]])).toEqual([
      [0, 'PRESENT'],
      [null, 'NOT_FOUND'],
      [3, 'PRESENT'],
      [4, 'PRESENT'],
    ]);
    now = T0 + 58 * MINUTE;
    await touchStreamState(redis, ref, { updatedAtMs: now, caughtUpAtMs: now, pending: 0 });
    expect(await values(['n_5m', 'n_1h', 'biggest_1h'])).toEqual({ n_5m: 0, n_1h: 2, biggest_1h: 30 });
  });

  it('marks every value of the view OUTSIDE_MAX_AGE once the consumer was last caught up longer ago than maxStaleness', async () => {
    now = T0 + 10 * MINUTE;
    await touchStreamState(redis, ref, { updatedAtMs: now, caughtUpAtMs: now - 2 * MINUTE - 1, pending: 7 });
    const body = await read(['card_txn:n_1h', 'card_txn:total_1m', 'card_plain:limit']);
    expect(body.results.slice(1).map((r) => [r.values[0], r.statuses[0]])).toEqual([
      [4, 'OUTSIDE_MAX_AGE'],
      [null, 'OUTSIDE_MAX_AGE'],
      [500, 'PRESENT'],
    ]);
    await touchStreamState(redis, ref, { updatedAtMs: now, caughtUpAtMs: now - 2 * MINUTE, pending: 0 });
    expect((await read(['card_txn:n_1h'])).results[1]?.statuses).toEqual(['PRESENT']);
  });

  it('serves stored and stream features of one request in request order', async () => {
    now = T0;
    await touchStreamState(redis, ref, { updatedAtMs: now, caughtUpAtMs: now, pending: 0 });
    const body = await read(['card_txn:n_1m', 'card_plain:limit', 'card_txn:merchant_1h']);
    expect(body.metadata.feature_names).toEqual(['card_id', 'n_1m', 'limit', 'merchant_1h']);
    expect(body.results.slice(1).map((r) => r.values[0])).toEqual([2, 500, 'c']);
  });

  it('serves a feature service mixing stored and stream features', async () => {
    now = T0;
    await touchStreamState(redis, ref, { updatedAtMs: now, caughtUpAtMs: now, pending: 0 });
    const response = await fetch(`${base}/get-online-features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entities: { card_id: [1] }, feature_service: 'fraud', full_feature_names: true }),
    });
    const body = (await response.json()) as Result;
    expect(body.metadata.feature_names).toEqual(['card_id', 'card_plain__limit', 'card_txn__n_5m', 'card_txn__merchant_1m']);
    expect(body.results.slice(1).map((r) => [r.values[0], r.statuses[0]])).toEqual([
      [500, 'PRESENT'],
      [3, 'PRESENT'],
      ['c', 'PRESENT'],
    ]);
  });

  it('marks a view with a freshness SLA OUTSIDE_MAX_AGE before its consumer ever ran', async () => {
    const body = await read(['card_idle:seen_5m']);
    expect(body.results[1]).toEqual({ values: [0], statuses: ['OUTSIDE_MAX_AGE'], event_timestamps: ['1970-01-01T00:00:00Z'] });
  });
});

describe('stream view health', () => {
  it('exposes the counters and gauges of the stream state in /metrics', async () => {
    await touchStreamState(redis, ref, { updatedAtMs: T0 + 1000, caughtUpAtMs: T0, pending: 7 });
    const text = await (await fetch(`${base}/metrics`)).text();
    const lines = text.split('\n').filter((l) => l.startsWith('featureflow_stream_'));
    expect(lines.filter((l) => !l.startsWith('featureflow_stream_behind_seconds'))).toEqual([
      'featureflow_stream_events_total{view="card_txn"} 4',
      'featureflow_stream_late_events_total{view="card_txn"} 1',
      'featureflow_stream_invalid_events_total{view="card_txn"} 2',
      'featureflow_stream_distinct_overflow_total{view="card_txn"} 0',
      'featureflow_stream_pending_messages{view="card_txn"} 7',
      `featureflow_stream_watermark_seconds{view="card_txn"} ${(T0 - 10_000) / 1000}`,
      `featureflow_stream_updated_seconds{view="card_txn"} ${(T0 + 1000) / 1000}`,
    ]);
    const behind = lines.filter((l) => l.startsWith('featureflow_stream_behind_seconds'));
    expect(behind).toHaveLength(1);
    // The scrape's own clock (not the store's): seconds from T0 to the wall clock, give or take the test's run.
    expect(Number(behind[0]?.split(' ')[1])).toBeCloseTo((Date.now() - T0) / 1000, -2);
    expect(text).toMatch(/^# TYPE featureflow_stream_events_total counter$/m);
  });

  it('judges the freshness of a stream view by when its consumer was last caught up', async () => {
    await touchStreamState(redis, ref, { updatedAtMs: T0 + 1000, caughtUpAtMs: T0, pending: 7 });
    const [entry] = await computeFreshness(repo, store, ['card_txn'], new Date(T0 + 3 * MINUTE));
    expect(entry).toMatchObject({
      view: 'card_txn',
      status: 'stale',
      stalenessSeconds: 180,
      maxStalenessSeconds: 120,
      newestEventTime: new Date(T0 - 10_000).toISOString(),
      lastMaterializedAt: new Date(T0 + 1000).toISOString(),
    });
    const [fresh] = await computeFreshness(repo, store, ['card_txn'], new Date(T0 + 2 * MINUTE));
    expect(fresh).toMatchObject({ status: 'fresh', stalenessSeconds: 120 });
  });

  it('refuses rows written to a stream view over /write-to-online-store, naming stream start', async () => {
    const response = await fetch(`${base}/write-to-online-store`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feature_view_name: 'card_txn', df: { card_id: [1], event_timestamp: ['2024-06-01T00:00:00Z'], n_5m: [3] } }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('featureflow stream start card_txn');
  });
});
