import { describe, expect, it } from 'vitest';
import { checkReferences, validateRepo } from '../../../src/registry/index.js';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

describe('references between repo objects', () => {
  it('accepts the SPEC example', async () => {
    const repo = await validateRepo(specRepo());
    expect(repo.featureViews.map((v) => v.name)).toEqual(['user_stats', 'user_txn']);
    expect(checkReferences(specRepo())).toEqual([]);
  });

  it('reports duplicate names within each kind', async () => {
    const repo = specRepo();
    repo.entities.push({ ...repo.entities[0] });
    repo.sources.push({ ...repo.sources[0] });
    repo.featureViews.push({ ...repo.featureViews[0] });
    repo.featureServices.push({ ...repo.featureServices[0] });
    expect(await problemsOf(repo)).toEqual([
      'entities[1].name: duplicate entity name "user" (also at entities[0].name)',
      'sources[1].name: duplicate source name "transactions" (also at sources[0].name)',
      'featureViews[2].name: duplicate feature view name "user_stats" (also at featureViews[0].name)',
      'featureServices[1].name: duplicate feature service name "fraud_v1" (also at featureServices[0].name)',
    ]);
  });

  it('reports a service named like a view', async () => {
    const repo = specRepo();
    repo.featureServices[0].name = 'user_txn';
    expect(await problemsOf(repo)).toEqual([
      'featureServices[0].name: "user_txn" is also the name of a feature view (featureViews[1]); give the service another name',
    ]);
  });

  it('reserves the view name "registry" for the stored registry folder', async () => {
    const repo = specRepo();
    repo.featureViews[1].name = 'registry';
    expect(await problemsOf(repo)).toEqual([
      'featureViews[1].name: "registry" is reserved: the stored registry lives in <offlineStore.path>/registry',
    ]);
  });

  it('names an unknown entity or source and lists the known ones', async () => {
    const repo = specRepo();
    repo.featureViews[0].entities = ['user', 'merchant'];
    repo.featureViews[1].source = 'txns';
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].entities[1]: unknown entity "merchant"; known entities: user',
      'featureViews[1].source: unknown source "txns"; known sources: transactions',
    ]);
  });

  it('reports sql placeholders that name no source', async () => {
    const repo = specRepo();
    repo.sources.push({ name: 'big', type: 'sql', query: 'SELECT * FROM {transactions} JOIN {refunds} USING (user_id)' });
    expect(await problemsOf(repo)).toEqual(['sources[1].query: {refunds} names no source; known sources: transactions, big']);
  });

  it('reports cycles between sql sources, including a source reading itself', async () => {
    const repo = specRepo();
    repo.sources.push(
      { name: 'a', type: 'sql', query: 'SELECT * FROM {b}' },
      { name: 'b', type: 'sql', query: 'SELECT * FROM {c} UNION ALL SELECT * FROM {transactions}' },
      { name: 'c', type: 'sql', query: 'SELECT * FROM {a}' },
      { name: 'me', type: 'sql', query: 'SELECT * FROM {me}' },
    );
    expect(await problemsOf(repo)).toEqual([
      'sources[1].query: sql sources form a cycle: a -> b -> c -> a',
      'sources[4].query: sql sources form a cycle: me -> me',
    ]);
  });

  it('accepts sql sources that read other sources without a cycle', async () => {
    const repo = specRepo();
    repo.sources.push(
      { name: 'a', type: 'sql', query: 'SELECT * FROM {transactions}' },
      { name: 'b', type: 'sql', query: "SELECT {'k': 1} AS s, * FROM {a} JOIN {transactions} USING (user_id)" },
    );
    await expect(validateRepo(repo)).resolves.toBeDefined();
  });

  it('reports a service naming an unknown view or a feature the view lacks', async () => {
    const repo = specRepo();
    repo.featureServices[0].features = { user_stats: ['clicks', 'avg_amt'], user_profile: ['age'] };
    expect(await problemsOf(repo)).toEqual([
      'featureServices[0].features.user_stats[1]: feature view "user_stats" has no feature "avg_amt"; it has: clicks, avg_amount',
      'featureServices[0].features.user_profile: unknown feature view "user_profile"; known views: user_stats, user_txn',
    ]);
  });

  it('lets a service name the <feature>_<window> columns of an aggregation view', async () => {
    const repo = specRepo();
    repo.featureServices[0].features = { user_txn: ['txn_count_7d', 'amount_sum_30d', 'purchases_1d'] };
    await expect(validateRepo(repo)).resolves.toBeDefined();
    repo.featureServices[0].features = { user_txn: ['txn_count'] };
    expect(await problemsOf(repo)).toEqual([
      'featureServices[0].features.user_txn[0]: feature view "user_txn" has no feature "txn_count"; it has: ' +
        'txn_count_1d, txn_count_7d, txn_count_30d, amount_sum_1d, amount_sum_7d, amount_sum_30d, purchases_1d, purchases_7d, purchases_30d',
    ]);
  });

  it('reports duplicate feature names in a view and in a service', async () => {
    const repo = specRepo();
    repo.featureViews[0].schema.push({ name: 'clicks', dtype: 'int32' });
    repo.featureViews[1].aggregation.features.push({ name: 'txn_count', function: 'count' });
    repo.featureServices[0].features.user_stats.push('clicks');
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].schema[2].name: duplicate feature "clicks" (also at featureViews[0].schema[0].name)',
      'featureViews[1].aggregation.features[3].name: duplicate aggregation feature "txn_count" (also at featureViews[1].aggregation.features[0].name)',
      'featureServices[0].features.user_stats[2]: duplicate feature "clicks" (also at featureServices[0].features.user_stats[0])',
    ]);
  });

  it('reports features named like a join key or a timestamp field of the source', async () => {
    const repo = specRepo();
    repo.featureViews[0].schema.push(
      { name: 'user_id', dtype: 'int64' },
      { name: 'event_timestamp', dtype: 'timestamp' },
      { name: 'created_timestamp', dtype: 'timestamp' },
    );
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].schema[2].name: feature "user_id" has the name of a join key of entity "user"',
      'featureViews[0].schema[3].name: feature "event_timestamp" has the name of a timestamp field of source "transactions"',
      'featureViews[0].schema[4].name: feature "created_timestamp" has the name of a timestamp field of source "transactions"',
    ]);
  });

  it('checks against the default timestamp field when the source names none', async () => {
    const repo = specRepo();
    delete repo.sources[0].timestampField;
    repo.featureViews[0].schema[0].name = 'event_timestamp';
    repo.featureServices[0].features.user_stats = ['avg_amount'];
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].schema[0].name: feature "event_timestamp" has the name of a timestamp field of source "transactions"',
    ]);
  });

  it('requires a schema unless the view aggregates', async () => {
    const repo = specRepo();
    delete repo.featureViews[0].schema;
    repo.featureServices = [];
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].schema: is required (the features the view offers) unless the view declares an aggregation',
    ]);
  });

  it('rejects a view with both a transform and an aggregation', async () => {
    const repo = specRepo();
    repo.featureViews[1].transform = { sql: 'SELECT * FROM {source}' };
    expect(await problemsOf(repo)).toEqual([
      'featureViews[1].aggregation: a view takes either a transform or an aggregation, not both',
    ]);
  });

  it('requires a column for every aggregation function but count', async () => {
    const repo = specRepo();
    repo.featureViews[1].aggregation.features.push(
      { name: 'avg_amount', function: 'avg' },
      { name: 'merchants', function: 'count_distinct' },
      { name: 'events', function: 'count', filter: 'amount > 0' },
    );
    expect(await problemsOf(repo)).toEqual([
      'featureViews[1].aggregation.features[3].column: function "avg" needs a column to aggregate (only count may omit it)',
      'featureViews[1].aggregation.features[4].column: function "count_distinct" needs a column to aggregate (only count may omit it)',
    ]);
  });

  it('rejects zero-length windows and cadence, and repeated windows', async () => {
    const repo = specRepo();
    repo.featureViews[1].aggregation.cadence = 0;
    repo.featureViews[1].aggregation.windows = ['1d', '0h', 86_400, '24h'];
    expect(await problemsOf(repo)).toEqual([
      'featureViews[1].aggregation.cadence: must be longer than 0',
      'featureViews[1].aggregation.windows[1]: a window must be longer than 0',
      'featureViews[1].aggregation.windows[2]: window 86400 repeats windows[0]',
      'featureViews[1].aggregation.windows[3]: window "24h" repeats windows[0]',
    ]);
  });

  it('reports a join key listed twice in an entity', async () => {
    const repo = specRepo();
    repo.entities[0].joinKeys = ['user_id', 'user_id'];
    expect(await problemsOf(repo)).toEqual([
      'entities[0].joinKeys[1]: duplicate join key "user_id" (also at entities[0].joinKeys[0])',
    ]);
  });

  it('reports entities of one view that share a join key, and an entity listed twice', async () => {
    const repo = specRepo();
    repo.entities.push({ name: 'buyer', joinKeys: ['user_id'] }, { name: 'merchant', joinKeys: ['merchant_id'] });
    repo.featureViews[0].entities = ['user', 'merchant', 'buyer', 'user'];
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].entities[3]: duplicate entity "user" (also at featureViews[0].entities[0])',
      'featureViews[0].entities[2]: entities "user" and "buyer" share the join key "user_id", so a row could not tell them apart',
    ]);
  });

  it('leaves bad durations to the schema, with their path', async () => {
    const repo = specRepo();
    repo.featureViews[0].ttl = '2 days';
    repo.featureViews[0].freshness.maxStaleness = -1;
    expect(await problemsOf(repo)).toEqual([
      expect.stringMatching(/^featureViews\[0\]\.ttl: "2 days" is not a duration/),
      expect.stringMatching(/^featureViews\[0\]\.freshness\.maxStaleness: -1 is not a duration/),
    ]);
  });
});
