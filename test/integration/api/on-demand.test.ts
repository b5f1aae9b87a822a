// On-demand views served over the real Redis online store: the stored JSON forms (int64 beyond 2^53 as a string,
// NULL, a value past its TTL) reach the transform as numbers or null, and the output columns follow Feast's shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';
import { request } from '../../unit/api/http-client.js';
import { cleanupSharedPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const keyPrefix = freshPrefix().replace(/:$/, '');
let repo: Repo;
let store: RedisOnlineStore;
let api: ApiServer;
let url: string;

beforeAll(async () => {
  repo = RepoSchema.parse({
    project: 'od',
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
    featureViews: [
      { name: 'user_stats', entities: ['user'], source: 'events', ttl: '2d', schema: [{ name: 'total', dtype: 'int64' }, { name: 'avg', dtype: 'float64' }] },
    ],
    onDemandFeatureViews: [
      {
        name: 'derived',
        sources: ['user_stats'],
        request: [{ name: 'amount', dtype: 'float64' }],
        schema: [{ name: 'ratio', dtype: 'float64' }, { name: 'known', dtype: 'bool' }],
        transform: { ratio: 'amount / nullif(avg, 0)', known: 'total is not null' },
      },
    ],
  });
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  const layout = viewLayout(repo, 'user_stats');
  const schemaId = await store.registerLayout(layout);
  const hourAgo = new Date(Date.now() - 3_600_000);
  await store.writeRows(layout, schemaId, [
    encodeRow(layout, [1], hourAgo, null, [2n ** 60n, 4]),
    encodeRow(layout, [2], hourAgo, null, [null, 0]),
  ]);
  // Past the view's 2d TTL: written without expiry so the key is still there, and read as OUTSIDE_MAX_AGE.
  await store.writeRows({ ...layout, ttlSeconds: 0 }, schemaId, [encodeRow(layout, [3], new Date('2024-01-01T00:00:00Z'), null, [5, 2])]);
  api = createServer({ repo, store, logger: silentLogger });
  url = (await api.listen(0)).url;
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  await cleanupSharedPrefix(`${keyPrefix}:`);
});

describe('on-demand views over Redis', () => {
  it('feeds stored values to the transform and drops the request field from the response', async () => {
    const res = await request(url, 'POST', '/get-online-features', {
      features: ['derived:ratio', 'derived:known', 'user_stats:total'],
      entities: { user_id: [1, 2, 3, 4], amount: [10, 10, 10, 10] },
    });
    expect(res.status).toBe(200);
    expect(res.json.metadata.feature_names).toEqual(['user_id', 'ratio', 'known', 'total']);
    const [, ratio, known, total] = res.json.results;
    // avg 0 -> nullif -> NULL; a value past its TTL and a missing row reach the transform as NULL.
    expect(ratio.values).toEqual([2.5, null, null, null]);
    expect(ratio.statuses).toEqual(['PRESENT', 'NULL_VALUE', 'NULL_VALUE', 'NULL_VALUE']);
    expect(known.values).toEqual([true, false, false, false]);
    expect(total.values).toEqual(['1152921504606846976', null, 5, null]);
    expect(total.statuses).toEqual(['PRESENT', 'NULL_VALUE', 'OUTSIDE_MAX_AGE', 'NOT_FOUND']);
  });
});
