// The repo the Feast conformance test serves, also handed to the Python driver, which builds the same entities,
// views and services in Feast: one int64 entity, a view with every dtype and a list of each, two views sharing a
// feature name (for full feature names) and a service across both; for writes, a push source over a batch file
// feeding two views, one with every dtype Feast's client can send (all but bytes) and a created timestamp column.
import type { Dtype } from '../../../src/registry/dtypes.js';
import type { RepoInput } from '../../../src/registry/schema.js';

export const SCALAR_DTYPES = ['int32', 'int64', 'float32', 'float64', 'string', 'bool', 'bytes', 'timestamp'] as const;

/** `all_types` features: `v_<dtype>` then `l_<dtype>` (a list of it), in this order. */
export const ALL_TYPES_FEATURES: Array<{ name: string; dtype: Dtype }> = [
  ...SCALAR_DTYPES.map((d) => ({ name: `v_${d}`, dtype: d })),
  ...SCALAR_DTYPES.map((d) => ({ name: `l_${d}`, dtype: `${d}[]` as const })),
];

/** `live_stats` features: every dtype but bytes (Feast's client cannot send bytes) and a list of each. */
export const LIVE_FEATURES: Array<{ name: string; dtype: Dtype }> = [
  ...SCALAR_DTYPES.filter((d) => d !== 'bytes').map((d) => ({ name: `w_${d}`, dtype: d })),
  ...SCALAR_DTYPES.filter((d) => d !== 'bytes').map((d) => ({ name: `wl_${d}`, dtype: `${d}[]` as const })),
];
export const LIVE_BATCH_FILE = 'data/live_history.parquet';

export function conformanceRepo(onlineStore: { url: string; keyPrefix: string }): RepoInput {
  return {
    project: 'conformance',
    onlineStore,
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    offlineStore: { path: 'offline' },
    sources: [
      { name: 'events', type: 'file', path: 'data/events.parquet' },
      // The batch file uses the push source's column names, so Feast's FileSource reads pushed frames the same way.
      { name: 'live_history', type: 'file', path: LIVE_BATCH_FILE, createdTimestampField: 'created_timestamp' },
      { name: 'live', type: 'push', batchSource: 'live_history', createdTimestampField: 'created_timestamp' },
    ],
    featureViews: [
      // TTLs in seconds: the driver hands them to Feast's FeatureView as they are.
      { name: 'all_types', entities: ['user'], source: 'events', schema: ALL_TYPES_FEATURES },
      {
        name: 'user_stats',
        entities: ['user'],
        source: 'events',
        ttl: 172_800,
        schema: [
          { name: 'clicks', dtype: 'int64' },
          { name: 'avg_amount', dtype: 'float64' },
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
      { name: 'live_stats', entities: ['user'], source: 'live', schema: LIVE_FEATURES },
      { name: 'live_profile', entities: ['user'], source: 'live', schema: [{ name: 'country', dtype: 'string' }] },
    ],
    featureServices: [{ name: 'fraud_v1', features: { user_stats: ['avg_amount', 'clicks'], user_profile: ['country'] } }],
  };
}
