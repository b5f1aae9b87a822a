import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/registry/errors.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { viewLayout } from '../../../src/online/layout.js';

const repo = RepoSchema.parse({
  project: 'fraud',
  entities: [
    { name: 'user', joinKeys: ['user_id'], valueType: 'int64' },
    { name: 'merchant', joinKeys: ['merchant_id', 'country'] },
  ],
  sources: [{ name: 'tx', type: 'file', path: 'tx.parquet' }],
  featureViews: [
    { name: 'pair', entities: ['user', 'merchant'], source: 'tx', ttl: '2d', schema: [{ name: 'n', dtype: 'int64' }, { name: 'v', dtype: 'float32[]' }] },
    { name: 'agg', entities: ['user'], source: 'tx', aggregation: { cadence: '1d', windows: ['1d', '7d'], features: [{ name: 'cnt', function: 'count' }, { name: 'amt', function: 'sum', column: 'a' }] } },
  ],
});

describe('viewLayout', () => {
  it('takes join keys from the entities in order, key types from valueType, ttl in seconds', () => {
    expect(viewLayout(repo, 'pair')).toEqual({
      project: 'fraud',
      view: 'pair',
      features: ['n', 'v'],
      dtypes: ['int64', 'float32[]'],
      joinKeys: ['user_id', 'merchant_id', 'country'],
      keyTypes: ['int64', undefined, undefined],
      ttlSeconds: 172_800,
    });
  });

  it('lists aggregation columns, with no TTL meaning 0, and accepts the view object', () => {
    const layout = viewLayout(repo, repo.featureViews[1]!);
    expect(layout.features).toEqual(['cnt_1d', 'cnt_7d', 'amt_1d', 'amt_7d']);
    expect(layout.dtypes).toEqual(['int64', 'int64', undefined, undefined]);
    expect(layout.ttlSeconds).toBe(0);
  });

  it('names an unknown view', () => {
    expect(() => viewLayout(repo, 'nope')).toThrow(NotFoundError);
  });
});
