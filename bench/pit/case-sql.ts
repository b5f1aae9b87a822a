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

/**
 * The same answer as getHistoricalFeatures, written by hand as one statement: the TTLs, user_stats' created-time
 * tie-break (packed into one BIGINT as pit-key.ts does, without its checks: the writer knows these times are whole
 * seconds) and the entity rows' input order. Not the target's yardstick (that is handQuery); it shows how much of
 * the engine's distance to handQuery is the work the answer needs rather than the engine's.
 */
export function handQueryExact(data: PitBenchData, out: string): string {
  const v = data.views;
  const low = '4294967296';
  const seconds = (ts: string): string => `(epoch_us(${ts}) // 1000000)`;
  const within = (ts: string, days: number): string =>
    `${ts} >= epoch_us(e.event_timestamp) - ${days * 86_400}::BIGINT * 1000000`;
  const userFresh = within(`(u.k // ${low}) * 1000000`, 30);
  return `COPY (
      SELECT e.user_id, e.merchant_id, e.event_timestamp, e.label,
        CASE WHEN ${userFresh} THEN u.clicks END AS clicks,
        CASE WHEN ${userFresh} THEN u.avg_amount END AS avg_amount,
        CASE WHEN ${within('epoch_us(m.event_timestamp)', 30)} THEN m.fraud_rate END AS fraud_rate,
        CASE WHEN ${within('epoch_us(p.event_timestamp)', 90)} THEN p.txn_count END AS txn_count
      FROM (SELECT *, ${seconds('event_timestamp')} * ${low} + ${low} - 1 AS k
            FROM read_parquet(${literal(data.entities)}, file_row_number = true)) e
      ASOF LEFT JOIN (SELECT user_id, ${seconds('event_timestamp')} * ${low} + ${seconds('created_timestamp')} + 1 AS k, clicks, avg_amount
                      FROM read_parquet(${literal(v.user_stats)})) u
        ON e.user_id = u.user_id AND e.k >= u.k
      ASOF LEFT JOIN read_parquet(${literal(v.merchant_stats)}) m
        ON e.merchant_id = m.merchant_id AND e.event_timestamp >= m.event_timestamp
      ASOF LEFT JOIN read_parquet(${literal(v.pair_stats)}) p
        ON e.user_id = p.user_id AND e.merchant_id = p.merchant_id AND e.event_timestamp >= p.event_timestamp
      ORDER BY e.file_row_number
    ) TO ${literal(out)} (FORMAT parquet)`;
}
