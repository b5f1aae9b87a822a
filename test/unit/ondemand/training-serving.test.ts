/**
 * Training = serving: the same on-demand views computed by getHistoricalFeatures (JSON expressions as DuckDB SQL,
 * a TypeScript transform over batches of joined rows) and by /get-online-features (JS) give the same outputs for
 * the same inputs, including NULLs, a division by zero and a missing entity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { RepoSchema, type OdValue, type RepoInput } from '../../../src/registry/schema.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { request } from '../api/http-client.js';

const num = (v: OdValue | undefined): number | null => (typeof v === 'number' ? v : null);

const repo: RepoInput = {
  project: 'odfv',
  entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
  sources: [{ name: 'user_src', type: 'table', table: 'user_rows' }],
  featureViews: [
    {
      name: 'user_stats', entities: ['user'], source: 'user_src',
      schema: [
        { name: 'avg_amount_7d', dtype: 'float64' },
        { name: 'txn_count', dtype: 'int64' },
        { name: 'country', dtype: 'string' },
      ],
    },
  ],
  onDemandFeatureViews: [
    {
      name: 'txn_ratios',
      sources: [{ view: 'user_stats', features: ['avg_amount_7d', 'txn_count', 'country'] }],
      request: [{ name: 'amount', dtype: 'float64' }],
      schema: [
        { name: 'amount_ratio', dtype: 'float64' },
        { name: 'big_us', dtype: 'bool' },
        { name: 'segment', dtype: 'string' },
        { name: 'txns_plus_one', dtype: 'int64' },
      ],
      transform: {
        amount_ratio: 'amount / nullif(avg_amount_7d, 0)',
        big_us: "amount > 100 and country = 'US'",
        segment: "case when txn_count > 2 then upper(country) else coalesce(lower(country), 'none') end",
        txns_plus_one: 'txn_count + 1',
      },
    },
    {
      name: 'ts_scores',
      sources: [{ view: 'user_stats', features: ['avg_amount_7d', 'txn_count'] }],
      request: [{ name: 'amount', dtype: 'float64' }],
      schema: [{ name: 'score', dtype: 'float64' }, { name: 'has_history', dtype: 'bool' }],
      transform: (cols) => ({
        score: cols.amount!.map((a, i) => {
          const avg = num(cols.avg_amount_7d![i]);
          return a === null || avg === null ? null : (a as number) * 2 - avg;
        }),
        has_history: cols.txn_count!.map((n) => n !== null && (n as number) > 0),
      }),
    },
  ],
};

// user 1: ordinary; 2: avg 0 (division by zero -> NULL via nullif); 3: NULL country; 4: no row at all.
const ROWS = [
  [1, 40.5, 3, 'US'],
  [2, 0, 1, 'de'],
  [3, 12.25, 5, null],
] as const;
const AMOUNTS = [150, 20, 7.5, 99];
const USERS = [1, 2, 3, 4];
const OUTPUTS = ['amount_ratio', 'big_us', 'segment', 'txns_plus_one', 'score', 'has_history'];

describe('on-demand views: training = serving', () => {
  let engine: TestEngine;
  let api: ApiServer;
  let url: string;

  beforeAll(async () => {
    const values = ROWS.map(([u, a, n, c]) => `(${u}, TIMESTAMPTZ '2024-01-01 00:00:00+00', ${a}::DOUBLE, ${n}::BIGINT, ${c === null ? 'NULL' : `'${c}'`})`);
    engine = await testEngine(repo, {
      user_rows: `SELECT * FROM (VALUES ${values.join(', ')}) v(user_id, event_timestamp, avg_amount_7d, txn_count, country)`,
    });
    const store = new FakeOnlineStore();
    for (const [u, a, n, c] of ROWS) store.put('user_stats', [u], { avg_amount_7d: a, txn_count: n, country: c }, '2024-01-01T00:00:00Z');
    api = createServer({ repo: RepoSchema.parse(repo), store, logger: silentLogger, limits: { maxBodyBytes: 64 * 1024, storeTimeoutMs: 5000 } });
    url = (await api.listen(0)).url;
  });
  afterAll(async () => {
    await api.close();
    engine.close();
  });

  it('gives the same outputs from historical retrieval and from /get-online-features', async () => {
    const refs = OUTPUTS.map((o) => (['score', 'has_history'].includes(o) ? `ts_scores:${o}` : `txn_ratios:${o}`));
    const set = await getHistoricalFeatures(
      engine.ctx,
      { rows: USERS.map((u, i) => ({ user_id: u, event_timestamp: new Date('2024-02-01T00:00:00Z'), amount: AMOUNTS[i] })) },
      refs,
    );
    let training: Array<Record<string, unknown>>;
    try {
      expect(set.columns).toEqual(['user_id', 'event_timestamp', 'amount', ...OUTPUTS]);
      training = await set.toRows();
    } finally {
      set.close();
    }
    const res = await request(url, 'POST', '/get-online-features', { features: refs, entities: { user_id: USERS, amount: AMOUNTS } });
    expect(res.status).toBe(200);
    // Request data is not echoed back, as in Feast.
    expect(res.json.metadata.feature_names).toEqual(['user_id', ...OUTPUTS]);
    OUTPUTS.forEach((output, k) => {
      const served = res.json.results[k + 1].values;
      const trained = training.map((row) => (typeof row[output] === 'bigint' ? Number(row[output]) : row[output]));
      expect({ output, values: served }).toEqual({ output, values: trained });
    });
    expect(res.json.results[1].values).toEqual([150 / 40.5, null, 7.5 / 12.25, null]);
    expect(res.json.results[1].statuses).toEqual(['PRESENT', 'NULL_VALUE', 'PRESENT', 'NULL_VALUE']);
    expect(res.json.results[1].event_timestamps[0]).toBe('1970-01-01T00:00:00Z');
    expect(res.json.results[3].values).toEqual(['US', 'de', null, 'none']);
    expect(res.json.results[5].values).toEqual([300 - 40.5, 40, 15 - 12.25, null]);
  });

  it('answers 400 naming a missing request field', async () => {
    const res = await request(url, 'POST', '/get-online-features', { features: ['txn_ratios:amount_ratio'], entities: { user_id: [1] } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('entities.amount is missing');
  });

  it('refuses a training request whose entity rows lack a request field', async () => {
    await expect(
      getHistoricalFeatures(engine.ctx, { rows: [{ user_id: 1, event_timestamp: new Date('2024-02-01T00:00:00Z') }] }, ['ts_scores:score']),
    ).rejects.toThrow(/needs request field "amount"/);
  });
});
