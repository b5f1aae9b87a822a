// The catalog tests' server: a repo with every kind of object the catalog shows, applied twice so the stored
// registry has a history, served over the real Redis store under a fresh key prefix (deleted afterwards), with
// rows and watermarks written so the views are fresh, stale and unknown.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import { RepoSchema, type Repo, type RepoInput } from '../../../src/registry/schema.js';
import { applyRepo } from '../../../src/registry/store.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

export interface UiEnv {
  repo: Repo;
  url: string;
  teardown(): Promise<void>;
}

export function uiRepoInput(onlineStore: { url: string; keyPrefix: string }): RepoInput {
  return {
    project: 'shop',
    description: 'Fraud features for the shop',
    onlineStore,
    entities: [
      { name: 'user', joinKeys: ['user_id'], valueType: 'int64', description: 'A shop customer' },
      { name: 'merchant', joinKeys: ['merchant_id'], valueType: 'string' },
    ],
    sources: [
      { name: 'events', type: 'file', path: 'data/events.parquet' },
      { name: 'clicks_push', type: 'push', batchSource: 'events', description: 'Clicks streamed from the web shop' },
    ],
    featureViews: [
      {
        name: 'user_stats',
        entities: ['user'],
        source: 'clicks_push',
        ttl: '2d',
        owner: 'risk-team@shop.example',
        description: 'Activity of a user over the last days',
        tags: { tier: 'gold' },
        freshness: { maxStaleness: '1d' },
        schedule: { cron: '0 * * * *' },
        schema: [
          { name: 'clicks', dtype: 'int64', description: 'Clicks in the session' },
          { name: 'avg_amount', dtype: 'float64' },
          { name: 'tags', dtype: 'string[]' },
        ],
      },
      { name: 'merchant_stats', entities: ['merchant'], source: 'events', freshness: { maxStaleness: '1h' }, schema: [{ name: 'rating', dtype: 'float64' }] },
      { name: 'user_profile', entities: ['user'], source: 'events', schema: [{ name: 'country', dtype: 'string' }] },
      {
        name: 'merchant_txns',
        entities: ['merchant'],
        source: 'events',
        aggregation: { cadence: '1h', windows: ['7d', 3600], features: [{ name: 'txn_count', function: 'count' }, { name: 'amount_sum', function: 'sum', column: 'amount' }] },
      },
    ],
    featureServices: [
      { name: 'fraud_v1', owner: 'risk-team', features: { user_stats: ['avg_amount', 'clicks'], merchant_stats: ['rating'] } },
    ],
    onDemandFeatureViews: [
      {
        name: 'amount_check',
        sources: ['user_stats'],
        request: [{ name: 'amount', dtype: 'float64' }],
        schema: [{ name: 'amount_ratio', dtype: 'float64' }],
        transform: { amount_ratio: 'amount / nullif(avg_amount, 0)' },
      },
    ],
  };
}

export async function startUiEnv(): Promise<UiEnv> {
  const url = redisUrl();
  const keyPrefix = freshPrefix().replace(/:$/, '');
  const repoDir = await mkdtemp(path.join(tmpdir(), 'ff-ui-'));
  const input = uiRepoInput({ url, keyPrefix });
  // Two applies: v1 without user_profile, v2 adding it and changing user_stats' description.
  const first = RepoSchema.parse({
    ...input,
    featureViews: input.featureViews
      ?.filter((v) => v.name !== 'user_profile')
      .map((v) => (v.name === 'user_stats' ? { ...v, description: 'Clicks of a user' } : v)),
  });
  await applyRepo(repoDir, first, new Date('2026-01-01T10:00:00Z'));
  const repo = RepoSchema.parse(input);
  await applyRepo(repoDir, repo, new Date('2026-01-02T10:00:00Z'));

  const store: RedisOnlineStore = await connectOnlineStore({ url, keyPrefix });
  const hourAgo = new Date(Date.now() - 3_600_000);
  const twoHoursAgo = new Date(Date.now() - 7_200_000);
  const put = async (view: string, keys: unknown[], values: unknown[], at: Date): Promise<void> => {
    const layout = viewLayout(repo, view);
    await store.writeRows(layout, await store.registerLayout(layout), [encodeRow(layout, keys, at, null, values)]);
  };
  await put('user_stats', [1], [12, 2.5, ['a', 'b']], hourAgo);
  await put('user_stats', [2], [null, 4, null], hourAgo);
  await put('merchant_stats', ['m1'], [4.5], twoHoursAgo);
  await store.setWatermark(repo.project, 'user_stats', { end: hourAgo.toISOString(), at: hourAgo.toISOString(), newestEvent: hourAgo.toISOString() });
  await store.setWatermark(repo.project, 'merchant_stats', { end: twoHoursAgo.toISOString(), at: twoHoursAgo.toISOString(), newestEvent: twoHoursAgo.toISOString() });

  const api: ApiServer = createServer({ repo, store, repoDir, logger: silentLogger });
  const { url: base } = await api.listen(0);
  return {
    repo,
    url: base,
    async teardown() {
      await api.close();
      await store.close();
      await rm(repoDir, { recursive: true, force: true });
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await cleanupPrefix(redis, `${keyPrefix}:`);
      } finally {
        redis.disconnect();
      }
    },
  };
}
