/** The PIT benchmark's repo (3 views over the generated files) and the hand-written DuckDB query it is held to. */
import { literal } from '../../src/engine/sql.js';
import { RepoSchema, type Repo, type RepoInput } from '../../src/registry/schema.js';
import type { PitBenchData } from './generate.js';

export const BENCH_FEATURES = ['user_stats:clicks', 'user_stats:avg_amount', 'merchant_stats:fraud_rate', 'pair_stats:txn_count'];

export function benchRepo(data: PitBenchData): Repo {
  return RepoSchema.parse(benchRepoInput(data));
}

/** The repo as written in a config file (the CLI run reads it from the data folder). */
export function benchRepoInput(data: PitBenchData): RepoInput {
  return {
    project: 'bench',
    entities: [
      { name: 'user', joinKeys: ['user_id'] },
      { name: 'merchant', joinKeys: ['merchant_id'] },
    ],
    sources: [
      { name: 'users', type: 'file', path: data.views.user_stats, createdTimestampField: 'created_timestamp' },
      { name: 'merchants', type: 'file', path: data.views.merchant_stats },
      { name: 'pairs', type: 'file', path: data.views.pair_stats },
    ],
    featureViews: [
      { name: 'user_stats', entities: ['user'], source: 'users', ttl: '30d',
        schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'avg_amount', dtype: 'float64' }] },
      { name: 'merchant_stats', entities: ['merchant'], source: 'merchants', ttl: '30d', schema: [{ name: 'fraud_rate', dtype: 'float64' }] },
      { name: 'pair_stats', entities: ['user', 'merchant'], source: 'pairs', ttl: '90d', schema: [{ name: 'txn_count', dtype: 'int32' }] },
    ],
  };
}

/** One statement, plain ASOF: no TTL, no created-time tie-break, rows in whatever order the joins leave them. */
export function handQuery(data: PitBenchData, out: string): string {
  const v = data.views;
  return `COPY (
      SELECT e.*, u.clicks, u.avg_amount, m.fraud_rate, p.txn_count
      FROM read_parquet(${literal(data.entities)}) e
      ASOF LEFT JOIN read_parquet(${literal(v.user_stats)}) u
        ON e.user_id = u.user_id AND e.event_timestamp >= u.event_timestamp
      ASOF LEFT JOIN read_parquet(${literal(v.merchant_stats)}) m
        ON e.merchant_id = m.merchant_id AND e.event_timestamp >= m.event_timestamp
      ASOF LEFT JOIN read_parquet(${literal(v.pair_stats)}) p
        ON e.user_id = p.user_id AND e.merchant_id = p.merchant_id AND e.event_timestamp >= p.event_timestamp
    ) TO ${literal(out)} (FORMAT parquet)`;
}
