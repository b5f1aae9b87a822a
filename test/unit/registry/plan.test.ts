import { describe, expect, it } from 'vitest';
import {
  formatPlan,
  planChanges,
  repoObjects,
  validateRepo,
  type Repo,
  type StoredRegistry,
} from '../../../src/registry/index.js';
import { specRepo } from '../../fixtures/repos/helpers.js';

/** What apply would have stored for `repo` (versions and times do not matter to the plan). */
function storedFrom(repo: Repo): StoredRegistry {
  const objects = repoObjects(repo).map((o) => ({ ...o, version: 1, updatedAt: '2024-01-01T00:00:00.000Z' }));
  return { project: repo.project, version: 1, appliedAt: '2024-01-01T00:00:00.000Z', objects };
}

describe('planning registry changes', () => {
  it('adds every object of a repo never applied, in kind then name order', async () => {
    const changes = planChanges(undefined, await validateRepo(specRepo()));
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      'add project fraud',
      'add entity user',
      'add source transactions',
      'add featureView user_stats',
      'add featureView user_txn',
      'add featureService fraud_v1',
    ]);
    expect(changes.every((c) => c.fields.length === 0)).toBe(true);
  });

  it('finds nothing to do when the repo matches the stored registry', async () => {
    const repo = await validateRepo(specRepo());
    expect(planChanges(storedFrom(repo), repo)).toEqual([]);
    expect(formatPlan([])).toBe('No changes.');
  });

  it('lists changed fields with their paths, deep inside arrays and maps', async () => {
    const before = await validateRepo(specRepo());
    const edited = specRepo();
    edited.featureViews[0].ttl = '3d';
    edited.featureViews[0].schema[1].dtype = 'float32';
    edited.featureViews[0].schema.push({ name: 'sessions', dtype: 'int32' });
    edited.featureViews[0].tags = { team: 'fraud', tier: 'gold' };
    delete edited.featureViews[0].owner;
    edited.onlineStore.keyPrefix = 'ff2';
    const changes = planChanges(storedFrom(before), await validateRepo(edited));
    expect(changes).toEqual([
      {
        kind: 'project',
        name: 'fraud',
        action: 'change',
        fields: [{ path: 'onlineStore.keyPrefix', before: 'ff', after: 'ff2' }],
      },
      {
        kind: 'featureView',
        name: 'user_stats',
        action: 'change',
        fields: [
          { path: 'ttl', before: '2d', after: '3d' },
          { path: 'schema[1].dtype', before: 'float64', after: 'float32' },
          { path: 'schema[2]', before: undefined, after: { name: 'sessions', dtype: 'int32' } },
          { path: 'owner', before: 'risk@acme', after: undefined },
          { path: 'tags.team', before: 'risk', after: 'fraud' },
          { path: 'tags.tier', before: undefined, after: 'gold' },
        ],
      },
    ]);
  });

  it('removes objects that left the repo and adds new ones', async () => {
    const before = specRepo();
    before.sources.push({ name: 'old', type: 'table', table: 'events' });
    const after = specRepo();
    after.entities.push({ name: 'merchant', joinKeys: ['merchant_id'] });
    const changes = planChanges(storedFrom(await validateRepo(before)), await validateRepo(after));
    expect(changes).toEqual([
      { kind: 'entity', name: 'merchant', action: 'add', fields: [] },
      { kind: 'source', name: 'old', action: 'remove', fields: [] },
    ]);
  });

  it('treats objects of different kinds with the same name as different objects', async () => {
    const before = specRepo();
    const after = specRepo();
    after.entities.push({ name: 'transactions', joinKeys: ['txn_id'] });
    const changes = planChanges(storedFrom(await validateRepo(before)), await validateRepo(after));
    expect(changes).toEqual([{ kind: 'entity', name: 'transactions', action: 'add', fields: [] }]);
  });

  it('quotes map keys that are not plain names', async () => {
    const before = specRepo();
    const after = specRepo();
    after.featureViews[0].tags = { team: 'risk', 'cost-center': '42' };
    const [change] = planChanges(storedFrom(await validateRepo(before)), await validateRepo(after));
    expect(change?.fields).toEqual([{ path: 'tags["cost-center"]', before: undefined, after: '42' }]);
  });

  it('prints a plan like terraform', async () => {
    const before = specRepo();
    before.sources.push({ name: 'old', type: 'table', table: 'events' });
    const after = specRepo();
    after.featureViews[0].ttl = '3d';
    after.featureServices.push({ name: 'fraud_v2', features: { user_txn: ['txn_count_7d'] } });
    const plan = formatPlan(planChanges(storedFrom(await validateRepo(before)), await validateRepo(after)));
    expect(plan).toBe(
      [
        '- source old',
        '~ featureView user_stats',
        '    ttl: "2d" -> "3d"',
        '+ featureService fraud_v2',
        '',
        'Plan: 1 to add, 1 to change, 1 to remove.',
      ].join('\n'),
    );
  });
});
