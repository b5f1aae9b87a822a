// The repo the API tests serve: two entities (an int64 key and a string key), views with and without a TTL, a
// feature name used by two views (for full_feature_names), an offline-only view and a service.
import { RepoSchema, type Repo, type RepoInput } from '../../src/registry/schema.js';

export function apiRepoInput(onlineStore?: { url: string; keyPrefix: string }): RepoInput {
  return {
    project: 'shop',
    ...(onlineStore ? { onlineStore } : {}),
    entities: [
      { name: 'user', joinKeys: ['user_id'], valueType: 'int64' },
      { name: 'merchant', joinKeys: ['merchant_id'], valueType: 'string' },
    ],
    sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
    featureViews: [
      {
        name: 'user_stats',
        entities: ['user'],
        source: 'events',
        ttl: '2d',
        schema: [
          { name: 'clicks', dtype: 'int64' },
          { name: 'avg_amount', dtype: 'float64' },
          { name: 'tags', dtype: 'string[]' },
        ],
      },
      {
        name: 'user_profile',
        entities: ['user'],
        source: 'events',
        schema: [
          { name: 'clicks', dtype: 'int64' },
          { name: 'country', dtype: 'string' },
        ],
      },
      {
        name: 'merchant_stats',
        entities: ['merchant'],
        source: 'events',
        schema: [{ name: 'rating', dtype: 'float64' }],
      },
      {
        name: 'pair_stats',
        entities: ['user', 'merchant'],
        source: 'events',
        schema: [{ name: 'pair_count', dtype: 'int64' }],
      },
      {
        name: 'archive',
        entities: ['user'],
        source: 'events',
        online: false,
        schema: [{ name: 'lifetime_clicks', dtype: 'int64' }],
      },
    ],
    featureServices: [
      { name: 'fraud_v1', features: { user_stats: ['avg_amount', 'clicks'], merchant_stats: ['rating'] } },
    ],
  };
}

export function apiRepo(onlineStore?: { url: string; keyPrefix: string }): Repo {
  return RepoSchema.parse(apiRepoInput(onlineStore));
}
