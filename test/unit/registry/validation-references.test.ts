import { describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/engine/context.js';
import { validateRepo } from '../../../src/registry/index.js';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

describe('validation rules in the registry', () => {
  it('accepts rules over the features a view offers, aggregation columns included', async () => {
    const repo = specRepo();
    repo.featureViews[0].validation = [
      { rule: 'notNull', feature: 'clicks' },
      { rule: 'range', feature: 'avg_amount', min: 0, action: 'warn' },
      { rule: 'in', feature: 'clicks', values: [0, 1, 2] },
      { rule: 'unique' },
      { rule: 'rowCountBetween', min: 1 },
      { rule: 'sql', name: 'sane', predicate: 'clicks < 1000000' },
    ];
    repo.featureViews[1].validation = [{ rule: 'maxNullRate', feature: 'amount_sum_7d', max: 0.1 }];
    const parsed = await validateRepo(repo);
    expect(parsed.featureViews[0]?.validation?.[0]).toEqual({ rule: 'notNull', feature: 'clicks', action: 'block' });
  });

  it('names the rule path of an unknown feature, listing the features offered', async () => {
    const repo = specRepo();
    repo.featureViews[0].validation = [{ rule: 'notNull', feature: 'clicks' }, { rule: 'notNull', feature: 'clics' }];
    expect(await problemsOf(repo)).toEqual(['featureViews[0].validation[1].feature: unknown feature "clics"; the view offers: clicks, avg_amount']);
  });

  it('refuses `in` values and range rules that do not fit the dtype', async () => {
    const repo = specRepo();
    repo.featureViews[0].validation = [
      { rule: 'in', feature: 'clicks', values: [1, 'two', 2.5] },
      { rule: 'range', feature: 'clicks', min: 0 },
    ];
    repo.featureViews[0].schema.push({ name: 'country', dtype: 'string' });
    repo.featureViews[0].validation.push({ rule: 'range', feature: 'country', max: 3 });
    expect(await problemsOf(repo)).toEqual([
      'featureViews[0].validation[0].values[1]: "two" is not an integer (feature "clicks" is int64)',
      'featureViews[0].validation[0].values[2]: 2.5 is not an integer (feature "clicks" is int64)',
      'featureViews[0].validation[2].rule: a range needs a numeric feature; "country" is string',
    ]);
  });

  it('refuses a rule of an unknown kind or without its bounds, naming the path', async () => {
    const repo = specRepo();
    repo.featureViews[0].validation = [{ rule: 'positive', feature: 'clicks' }, { rule: 'range', feature: 'clicks' }];
    const problems = await problemsOf(repo);
    expect(problems[0]).toMatch(/^featureViews\[0\]\.validation\[0\]\.rule: "positive" is not allowed: use one of notNull, range/);
    expect(problems[1]).toBe('featureViews[0].validation[1]: give min, max or both');
  });

  it('an engine refuses to open when a sql rule is more than one expression', async () => {
    const repo = await validateRepo({
      ...specRepo(),
      featureViews: [{
        ...specRepo().featureViews[0],
        validation: [{ rule: 'sql', name: 'evil', predicate: "true) FROM read_text('/etc/passwd') WHERE (1" }],
      }],
    });
    await expect(openEngine(repo, process.cwd())).rejects.toThrow(
      /view "user_stats", validation\[0\] \("evil"\): the predicate must be exactly one SQL expression/,
    );
  });
});
