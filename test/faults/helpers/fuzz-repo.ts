// The repo the body fuzzer serves: every dtype a push can carry (scalars and lists), keys with and without a
// declared type, a push source read by an online and an offline-only view, a view fed by a file source only
// (/write-to-online-store), on-demand views over stored features and request fields, features named like the
// properties every JS object inherits (toString, constructor), and feature services. The
// names are exported so the generators build requests that reach deep into the parsers instead of stopping at
// "unknown view".
import type { WorkflowStarter } from '../../../src/api/workflow-starter.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';

export const PUSH_SOURCE = 'live';
export const FILE_SOURCE = 'history';

/** Feature name -> dtype of the push-fed view `live_stats` (one column per dtype the codecs know). */
export const LIVE_FEATURES = {
  i32: 'int32',
  i64: 'int64',
  f32: 'float32',
  f64: 'float64',
  s: 'string',
  b: 'bool',
  ts: 'timestamp',
  raw: 'bytes',
  i64s: 'int64[]',
  f64s: 'float64[]',
  ss: 'string[]',
  tss: 'timestamp[]',
} as const;

/** Join key -> the dtype its entity declares (`device_id` declares none: its type comes from the values). */
export const JOIN_KEYS = { user_id: 'int64', merchant_id: 'string', device_id: undefined } as const;

/** Every view, with the features a request may name. */
export const VIEWS: Readonly<Record<string, readonly string[]>> = {
  live_stats: Object.keys(LIVE_FEATURES),
  live_pair: ['pair_count'],
  live_device: ['seen'],
  live_archive: ['i64'],
  live_odd: ['toString', 'constructor'],
  user_stats: ['clicks', 'rate', 'tags'],
  derived: ['ratio', 'big', 'label', 'flag'],
};

export const REQUEST_FIELDS = { amount: 'float64', qty: 'int64', note: 'string' } as const;

export const FEATURE_SERVICES = ['fraud_v1', 'with_derived'] as const;

export function fuzzRepo(onlineStore: { url: string; keyPrefix: string }): Repo {
  const liveSchema = Object.entries(LIVE_FEATURES).map(([name, dtype]) => ({ name, dtype }));
  return RepoSchema.parse({
    project: 'fuzz',
    offlineStore: { path: 'offline' },
    onlineStore,
    entities: [
      { name: 'user', joinKeys: ['user_id'], valueType: 'int64' },
      { name: 'merchant', joinKeys: ['merchant_id'], valueType: 'string' },
      { name: 'device', joinKeys: ['device_id'] },
    ],
    sources: [
      { name: FILE_SOURCE, type: 'file', path: 'history.parquet', createdTimestampField: 'created_timestamp' },
      { name: PUSH_SOURCE, type: 'push', batchSource: FILE_SOURCE, createdTimestampField: 'created_timestamp' },
    ],
    featureViews: [
      { name: 'live_stats', entities: ['user'], source: PUSH_SOURCE, ttl: '2d', schema: liveSchema },
      { name: 'live_pair', entities: ['user', 'merchant'], source: PUSH_SOURCE, schema: [{ name: 'pair_count', dtype: 'int64' }] },
      { name: 'live_device', entities: ['device'], source: PUSH_SOURCE, schema: [{ name: 'seen', dtype: 'int32' }] },
      { name: 'live_archive', entities: ['user'], source: PUSH_SOURCE, online: false, schema: [{ name: 'i64', dtype: 'int64' }] },
      // Valid names that are also properties every JS object inherits: a lookup by name must not find those.
      {
        name: 'live_odd',
        entities: ['user'],
        source: PUSH_SOURCE,
        schema: [
          { name: 'toString', dtype: 'int64' },
          { name: 'constructor', dtype: 'string' },
        ],
      },
      {
        name: 'user_stats',
        entities: ['user'],
        source: FILE_SOURCE,
        schema: [
          { name: 'clicks', dtype: 'int64' },
          { name: 'rate', dtype: 'float32' },
          { name: 'tags', dtype: 'string[]' },
        ],
      },
    ],
    onDemandFeatureViews: [
      {
        name: 'derived',
        sources: ['live_stats', 'user_stats'],
        request: [
          { name: 'amount', dtype: 'float64' },
          { name: 'qty', dtype: 'int64' },
          { name: 'note', dtype: 'string' },
        ],
        schema: [
          { name: 'ratio', dtype: 'float64' },
          { name: 'big', dtype: 'int64' },
          { name: 'label', dtype: 'string' },
          { name: 'flag', dtype: 'bool' },
        ],
        transform: {
          ratio: 'amount / nullif(f64, 0)',
          big: 'i64 + qty',
          label: "lower(coalesce(note, s, '')) || upper(coalesce(s, ''))",
          flag: 'clicks is not null and b',
        },
      },
    ],
    featureServices: [
      { name: 'fraud_v1', features: { live_stats: ['i64', 'f64', 'ss'], user_stats: ['clicks'] } },
      { name: 'with_derived', features: { live_stats: ['i32'], derived: ['ratio', 'label'] } },
    ],
  });
}

/** Starts nothing: answers at once as if Temporal took the run (so /materialize needs no Temporal server). */
export function fakeWorkflowStarter(): WorkflowStarter {
  let runs = 0;
  const started = (kind: string, views: string[] | undefined): Promise<{ workflowId: string; runId: string; uiUrl: string; alreadyRunning: boolean }> => {
    runs++;
    const workflowId = `featureflow:fuzz:${kind}:${(views ?? []).join(',')}`;
    return Promise.resolve({ workflowId, runId: `run-${runs}`, uiUrl: `http://temporal.invalid/${encodeURIComponent(workflowId)}`, alreadyRunning: runs % 2 === 0 });
  };
  return {
    materialize: (input) => started('materialize', input.views),
    materializeIncremental: (input) => started('materialize-incremental', input.views),
    outcome: () => Promise.resolve({ status: 'completed', result: { views: [] } }),
    close: () => Promise.resolve(),
  };
}
