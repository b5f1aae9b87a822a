/** /get-online-features with on-demand views (in-memory store): naming, services, request-field errors, failures. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { RepoSchema, type RepoInput } from '../../../src/registry/schema.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { request } from './http-client.js';

const repo: RepoInput = {
  project: 'od',
  entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
  sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
  featureViews: [
    { name: 'user_stats', entities: ['user'], source: 'events', schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'avg', dtype: 'float64' }] },
  ],
  onDemandFeatureViews: [
    {
      name: 'derived',
      sources: ['user_stats'],
      request: [{ name: 'amount', dtype: 'int64' }],
      schema: [{ name: 'clicks_plus', dtype: 'int64' }],
      transform: { clicks_plus: 'clicks + amount' },
    },
    {
      name: 'ratio',
      sources: [{ view: 'user_stats', features: ['clicks'] }],
      schema: [{ name: 'doubled', dtype: 'float64' }, { name: 'picked', dtype: 'int64' }],
      transform: { doubled: 'clicks * 2.0', picked: 'if(clicks > 3, 7, 8)' },
    },
    {
      name: 'tagged',
      request: [{ name: 'tag', dtype: 'string' }, { name: 'flag', dtype: 'bool' }],
      schema: [{ name: 'shout', dtype: 'string' }],
      transform: { shout: "if(flag, upper(tag), lower(tag))" },
    },
    {
      name: 'broken',
      sources: [{ view: 'user_stats', features: ['clicks'] }],
      schema: [{ name: 'half', dtype: 'int64' }],
      transform: (cols) => ({ half: cols.clicks!.map((c) => (c === null ? null : (c as number) / 2)) }),
    },
  ],
  featureServices: [{ name: 'svc', features: { user_stats: ['avg'], derived: ['clicks_plus'] } }],
};

const store = new FakeOnlineStore();
let api: ApiServer;
let url: string;

beforeAll(async () => {
  store.put('user_stats', [1], { clicks: 3, avg: 2.5 }, '2024-01-01T00:00:00Z');
  store.put('user_stats', [2], { clicks: 4, avg: 1 }, '2024-01-01T00:00:00Z');
  api = createServer({ repo: RepoSchema.parse(repo), store, logger: silentLogger, limits: { maxBodyBytes: 64 * 1024, storeTimeoutMs: 5000 } });
  url = (await api.listen(0)).url;
});
afterAll(() => api.close());

const post = (body: unknown) => request(url, 'POST', '/get-online-features', body);

describe('on-demand views over HTTP', () => {
  it('computes outputs from stored features it was not asked for, with view__feature names on request', async () => {
    const res = await post({ features: ['derived:clicks_plus'], entities: { user_id: [1, 2, 9], amount: [10, 20, 30] }, full_feature_names: true });
    expect(res.status).toBe(200);
    expect(res.json.metadata.feature_names).toEqual(['user_id', 'derived__clicks_plus']);
    expect(res.json.results[1]).toEqual({
      values: [13, 24, null],
      statuses: ['PRESENT', 'PRESENT', 'NULL_VALUE'],
      event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
    });
  });

  it('writes whole floats of a float output as 3.0 and int outputs as integers, whatever the columns read', async () => {
    const res = await post({ features: ['ratio:doubled', 'ratio:picked', 'user_stats:avg'], entities: { user_id: [1, 2] } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('"values":[6.0,8.0]');
    expect(res.text).toContain('"values":[8,7]');
    expect(res.text).toContain('"values":[2.5,1.0]');
  });

  it('answers 400 naming the value when a request field of type string or bool gets a number, or an int64 beyond 2^53', async () => {
    const asString = await post({ features: ['tagged:shout'], entities: { tag: [5], flag: [true] } });
    expect(asString.status).toBe(400);
    expect(asString.json.error.message).toContain('entities.tag[0]: 5 is not a valid string');
    const asBool = await post({ features: ['tagged:shout'], entities: { tag: ['a'], flag: [1] } });
    expect(asBool.status).toBe(400);
    expect(asBool.json.error.message).toContain('entities.flag[0]: 1 is not a valid bool');
    const big = await post({ features: ['derived:clicks_plus'], entities: { user_id: [1], amount: ['9007199254740993'] } });
    expect(big.status).toBe(400);
    expect(big.json.error.message).toContain('entities.amount[0]');
    const good = await post({ features: ['tagged:shout'], entities: { tag: ['Ab'], flag: [false] } });
    expect(good.json.results[0].values).toEqual(['ab']);
  });

  it('answers 400 naming an entities column that no requested view or on-demand view reads', async () => {
    const res = await post({ features: ['user_stats:clicks'], entities: { user_id: [1], usr_id: [1] } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('entities.usr_id: not a join key of the requested views');
  });

  it('serves a feature service that lists an on-demand view, in the service order', async () => {
    const res = await post({ feature_service: 'svc', entities: { user_id: [2], amount: [1] } });
    expect(res.status).toBe(200);
    expect(res.json.metadata.feature_names).toEqual(['user_id', 'avg', 'clicks_plus']);
    expect(res.json.results.map((r: { values: unknown[] }) => r.values)).toEqual([[2], [1], [5]]);
  });

  it('answers 400 naming a request value of the wrong type', async () => {
    const res = await post({ features: ['derived:clicks_plus'], entities: { user_id: [1, 2], amount: [1, 'x'] } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('entities.amount[1]: "x" is not a valid int64');
  });

  it('answers 500 TRANSFORM_FAILED, saying what the transform did wrong, when it returns a value its schema does not allow', async () => {
    const res = await post({ features: ['broken:half'], entities: { user_id: [1] } });
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe('TRANSFORM_FAILED');
    expect(res.json.error.message).toContain('half');
  });

  it('answers 422 TRANSFORM_OUT_OF_RANGE when the values make an expression leave its integer range (found by the body fuzzer: was a 500)', async () => {
    // A valid int64 stored beyond 2^53 plus a request value: JS numbers cannot hold the sum exactly.
    store.put('user_stats', [3], { clicks: 2 ** 60, avg: 1 }, '2024-01-01T00:00:00Z');
    const res = await post({ features: ['derived:clicks_plus'], entities: { user_id: [1, 3], amount: [1, 1] } });
    expect(res.status).toBe(422);
    expect(res.json.error).toEqual({
      code: 'TRANSFORM_OUT_OF_RANGE',
      message: `derived:clicks_plus row 1: ${2 ** 60} is not a valid int64: out of range for the output's dtype (integers are exact up to 2^53 in serving)`,
    });
  });

  it('shows a TypeScript transform as its source text in GET /registry', async () => {
    const res = await request(url, 'GET', '/registry');
    const broken = res.json.onDemandFeatureViews.find((v: { name: string }) => v.name === 'broken');
    expect(broken.transform).toContain('cols.clicks');
    expect(res.json.onDemandFeatureViews[0].transform).toEqual({ clicks_plus: 'clicks + amount' });
  });
});
