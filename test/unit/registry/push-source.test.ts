// Push sources in the registry: shape, the batch source they read, the views they may feed, and plan/diff.
import { describe, expect, it } from 'vitest';
import { planChanges, repoObjects, validateRepo } from '../../../src/registry/index.js';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

function withPush(push: Record<string, unknown> = {}) {
  const repo = specRepo();
  repo.sources.push({ name: 'txn_push', type: 'push', batchSource: 'transactions', ...push });
  repo.featureViews.push({
    name: 'live_stats', entities: ['user'], source: 'txn_push', ttl: '1d',
    schema: [{ name: 'last_amount', dtype: 'float64' }],
  });
  return repo;
}

describe('push sources', () => {
  it('accept a batch source and default their timestamp field like other sources', async () => {
    const repo = await validateRepo(withPush({ createdTimestampField: 'created' }));
    expect(repo.sources[1]).toEqual({
      name: 'txn_push', type: 'push', batchSource: 'transactions', timestampField: 'event_timestamp', createdTimestampField: 'created',
    });
  });

  it('name an unknown batch source, and refuse a push source or themselves as one', async () => {
    const unknown = withPush({ batchSource: 'txns' });
    expect(await problemsOf(unknown)).toEqual(['sources[1].batchSource: unknown source "txns"; known sources: transactions, txn_push']);
    const nested = withPush();
    nested.sources.push({ name: 'push2', type: 'push', batchSource: 'txn_push' });
    expect(await problemsOf(nested)).toEqual([
      'sources[2].batchSource: "txn_push" is a push source; a batch source must be a file, table or sql source holding the historical rows',
    ]);
    const self = withPush({ batchSource: 'txn_push' });
    expect(await problemsOf(self)).toContain(
      'sources[1].batchSource: "txn_push" is a push source; a batch source must be a file, table or sql source holding the historical rows',
    );
  });

  it('report a cycle through a sql batch source that reads the push source', async () => {
    const repo = withPush({ batchSource: 'loop' });
    repo.sources.push({ name: 'loop', type: 'sql', query: 'SELECT * FROM {txn_push}' });
    expect(await problemsOf(repo)).toEqual(['sources[1].batchSource: sql and push sources form a cycle: txn_push -> loop -> txn_push']);
  });

  it('require a batch source field and refuse unknown ones', async () => {
    const repo = specRepo();
    repo.sources.push({ name: 'p', type: 'push', path: 'x.parquet' });
    expect(await problemsOf(repo)).toEqual(['sources[1].batchSource: is required (string)', 'sources[1].path: unknown field "path"']);
  });

  it('feed only plain views: pushed rows are the view rows themselves', async () => {
    const repo = withPush();
    repo.featureViews[2].transform = { sql: 'SELECT * FROM {source}' };
    expect(await problemsOf(repo)).toEqual([
      'featureViews[2].transform: the view reads push source "txn_push", whose rows are the view\'s own rows: a view on a push source takes no transform',
    ]);
  });

  it('reserve the view name "pushed" for the pushed rows folder', async () => {
    const repo = withPush();
    repo.featureViews[2].name = 'pushed';
    expect(await problemsOf(repo)).toEqual(['featureViews[2].name: "pushed" is reserved: pushed rows live in <offlineStore.path>/pushed']);
  });

  it('reserve view names starting with "_" for the offline store\'s own folders (_manifests, _stats, ...)', async () => {
    const repo = withPush();
    repo.featureViews[2].name = '_stats';
    expect(await problemsOf(repo)).toContainEqual('featureViews[2].name: "_stats": names starting with "_" are reserved for the offline store\'s own folders');
  });

  it('show up in plan as sources, field by field', async () => {
    const before = await validateRepo(withPush());
    const after = await validateRepo(withPush({ batchSource: 'transactions', createdTimestampField: 'created' }));
    const objects = repoObjects(before);
    expect(objects.map((o) => `${o.kind}:${o.name}`)).toContain('source:txn_push');
    const stored = { project: 'fraud', version: 1, appliedAt: '', objects: objects.map((o) => ({ ...o, version: 1, updatedAt: '' })) };
    const changes = planChanges(stored, after);
    expect(changes).toEqual([
      { kind: 'source', name: 'txn_push', action: 'change', fields: [{ path: 'createdTimestampField', before: undefined, after: 'created' }] },
    ]);
  });
});
