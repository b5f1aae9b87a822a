/**
 * The demo repo: card transactions; hourly user statistics computed by a SQL source; daily merchant statistics from a
 * CSV file; daily windowed aggregations (1d/7d/30d) per user, per merchant and per user x merchant pair; an on-demand
 * view scoring the transaction being served; two feature services; and a stream view (`user_txn_live`) folding card
 * transactions from a broker into 1-minute tiles, served as sliding 5-minute and 1-hour windows.
 */
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  defineOnDemandFeatureView,
  defineProject,
  defineSource,
} from 'featureflow';

const user = defineEntity({ name: 'user', joinKeys: ['user_id'], valueType: 'int64', description: 'A card holder' });
const merchant = defineEntity({ name: 'merchant', joinKeys: ['merchant_id'], valueType: 'int64' });

const transactions = defineSource({
  name: 'transactions',
  type: 'file',
  path: 'data/transactions.parquet',
  timestampField: 'event_timestamp',
  createdTimestampField: 'created_timestamp',
});

// Statistics of each user's last hour, stamped at the end of the hour they cover (so they are never used early).
const userHourly = defineSource({
  name: 'user_hourly',
  type: 'sql',
  query: `SELECT user_id,
                 time_bucket(INTERVAL 1 HOUR, event_timestamp) + INTERVAL 1 HOUR AS event_timestamp,
                 count(*) AS txn_count_1h,
                 avg(amount) AS avg_amount_1h,
                 max(created_timestamp) AS created_timestamp
          FROM {transactions} GROUP BY ALL`,
  createdTimestampField: 'created_timestamp',
});

// The same transactions as they happen, from a broker: NATS JetStream by default; the demo picks a Redis Stream on the
// online store's Redis when no NATS server answers (FEATUREFLOW_DEMO_STREAM=redis-stream). `transactions` holds the
// same events for training: `historical` over user_txn_live computes the tiles from it.
const cardStream = defineSource({
  name: 'card_stream',
  type: 'stream',
  timestampField: 'event_timestamp',
  broker:
    process.env.FEATUREFLOW_DEMO_STREAM === 'redis-stream'
      ? { kind: 'redis-stream', key: 'ff:fraud:card-transactions', group: 'featureflow' }
      : { kind: 'nats', url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', stream: 'FRAUD_CARD_TX', subject: 'fraud.card.tx', durable: 'featureflow_user_txn_live' },
  batchSource: 'transactions',
  allowedLateness: '1m',
});

const merchantDaily = defineSource({ name: 'merchant_daily', type: 'file', path: 'data/merchant_daily.csv' });

const userStats = defineFeatureView({
  name: 'user_stats',
  entities: [user],
  source: userHourly,
  ttl: '2d',
  schema: [
    { name: 'txn_count_1h', dtype: 'int64' },
    { name: 'avg_amount_1h', dtype: 'float64' },
  ],
  owner: 'risk@acme',
  tags: { team: 'risk' },
  freshness: { maxStaleness: '2h' },
  schedule: { cron: '0 * * * *' },
});

const merchantStats = defineFeatureView({
  name: 'merchant_stats',
  entities: [merchant],
  source: merchantDaily,
  ttl: '7d',
  schema: [
    { name: 'fraud_rate', dtype: 'float64' },
    { name: 'txn_count_1d', dtype: 'int64' },
  ],
  // Daily rows: materialized once a day, stale when a day's row is more than two days old.
  freshness: { maxStaleness: '2d', checkEvery: '1h' },
  schedule: { cron: '15 0 * * *' },
});

// Windowed aggregations computed from the raw transactions by DuckDB, one row per user per day (at midnight UTC,
// covering the window up to it); the demo computes them as a Temporal backfill workflow.
const userTxn = defineFeatureView({
  name: 'user_txn',
  entities: [user],
  source: transactions,
  ttl: '2d',
  aggregation: {
    cadence: '1d',
    windows: ['1d', '7d', '30d'],
    features: [
      { name: 'txn_count', function: 'count' },
      { name: 'amount_sum', function: 'sum', column: 'amount' },
      { name: 'purchases', function: 'count', filter: "event_type = 'PURCHASE'" },
    ],
  },
  // Materializes the rows computed so far every hour (computing new days is a backfill or computeFeatures run).
  schedule: { cron: '30 * * * *' },
  // The last 3 days compared with a snapshot the demo saves of the weeks before (`featureflow drift --run`).
  drift: { reference: { snapshot: 'baseline' }, window: '3d' },
});

// Merchant risk: how busy each merchant is and how much of its volume is refunded, over the last week and month.
const merchantTxn = defineFeatureView({
  name: 'merchant_txn',
  entities: [merchant],
  source: transactions,
  ttl: '2d',
  aggregation: {
    cadence: '1d',
    windows: ['7d', '30d'],
    features: [
      { name: 'txn_count', function: 'count' },
      { name: 'refunds', function: 'count', filter: "event_type = 'REFUND'" },
      { name: 'amount_avg', function: 'avg', column: 'amount' },
    ],
  },
  schedule: { cron: '20 0 * * *' },
});

// Live per-card activity: ingested by the `streamIngest` workflow (`featureflow stream start user_txn_live`), served
// by merging the tiles inside each window at request time.
const userTxnLive = defineFeatureView({
  name: 'user_txn_live',
  entities: [user],
  source: cardStream,
  ttl: '1h',
  aggregation: {
    cadence: '1m',
    windows: ['5m', '1h'],
    features: [
      { name: 'txn_count', function: 'count' },
      { name: 'amount_sum', function: 'sum', column: 'amount' },
      { name: 'amount_max', function: 'max', column: 'amount' },
      { name: 'merchants', function: 'count_distinct', column: 'merchant_id' },
    ],
  },
});

// A composite view keyed by (user, merchant): how familiar this card holder is with this merchant.
const userMerchant = defineFeatureView({
  name: 'user_merchant',
  entities: [user, merchant],
  source: transactions,
  ttl: '2d',
  aggregation: {
    cadence: '1d',
    windows: ['30d'],
    features: [
      { name: 'txn_count', function: 'count' },
      { name: 'amount_sum', function: 'sum', column: 'amount' },
    ],
  },
  schedule: { cron: '25 0 * * *' },
});

// Computed at request time from stored features and the transaction being scored (sent with the request as
// `amount`); the same function runs over training sets, so training and serving agree by construction.
const txnRisk = defineOnDemandFeatureView({
  name: 'txn_risk',
  sources: [
    { view: userStats, features: ['avg_amount_1h'] },
    { view: merchantStats, features: ['fraud_rate'] },
  ],
  request: [{ name: 'amount', dtype: 'float64' }],
  schema: [
    { name: 'amount_vs_avg_1h', dtype: 'float64' },
    { name: 'risky', dtype: 'bool' },
  ],
  transform: (cols) => {
    // Columns hold the declared dtypes' values or null (a missing entity, a value past its TTL).
    const ratio = cols.amount.map((a, i) => {
      const avg = cols.avg_amount_1h[i] as number | null;
      return a === null || !avg ? null : (a as number) / avg;
    });
    return { amount_vs_avg_1h: ratio, risky: ratio.map((r, i) => (r ?? 0) > 3 || ((cols.fraud_rate[i] as number | null) ?? 0) > 0.05) };
  },
});

export default defineProject({
  project: 'fraud',
  offlineStore: { path: '.featureflow/offline' },
  // A TypeScript repo may read its environment: one setting for the CLI, the worker and the API alike.
  onlineStore: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', keyPrefix: 'ff' },
  entities: [user, merchant],
  sources: [transactions, userHourly, merchantDaily, cardStream],
  featureViews: [userStats, merchantStats, userTxn, merchantTxn, userMerchant, userTxnLive],
  onDemandFeatureViews: [txnRisk],
  featureServices: [
    defineFeatureService({
      name: 'fraud_v1',
      features: { user_stats: ['txn_count_1h', 'avg_amount_1h'], merchant_stats: ['fraud_rate'] },
    }),
    defineFeatureService({
      name: 'fraud_v2',
      features: {
        user_stats: ['txn_count_1h', 'avg_amount_1h'],
        user_txn: ['txn_count_7d', 'amount_sum_30d'],
        merchant_stats: ['fraud_rate'],
        merchant_txn: ['refunds_30d', 'amount_avg_30d'],
        user_merchant: ['txn_count_30d'],
        txn_risk: ['amount_vs_avg_1h', 'risky'],
      },
    }),
  ],
});
