import { describe, expect, it } from 'vitest';
import { checkRepoShape, FeatureflowError, validateRepo, ValidationError, type Source } from '../../../src/registry/index.js';
import { issuesOf, problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

describe('repo validation', () => {
  it('fills in the defaults of a minimal repo', async () => {
    const repo = await validateRepo({ project: 'tiny' });
    expect(repo).toEqual({
      project: 'tiny',
      offlineStore: { path: '.featureflow/offline' },
      onlineStore: { url: 'redis://127.0.0.1:6379/0', keyPrefix: 'ff' },
      entities: [],
      sources: [],
      featureViews: [],
      featureServices: [],
      onDemandFeatureViews: [],
    });
  });

  it('reports every problem at once, shape and references together, each with its path', async () => {
    const repo = specRepo();
    repo.featureViews[0].ttl = '2x'; // shape
    repo.featureViews[0].tll = '2d'; // shape: unknown field
    repo.featureViews[0].entities = ['customer']; // reference
    repo.sources[0].type = 'kafka'; // shape
    delete repo.entities[0].joinKeys; // shape
    repo.featureServices[0].features.user_stats = ['clicks', 'ctr']; // reference
    const err = await validateRepo(repo, { file: 'featureflow.json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as FeatureflowError).code).toBe('INVALID_DEFINITION');
    const message = (err as Error).message;
    expect(message).toMatch(/^repo "fraud" \(featureflow\.json\) is invalid \(6 problems\):/);
    for (const line of [
      '  entities[0].joinKeys: is required (array)',
      "  sources[0].type: \"kafka\" is not allowed: use one of file, table, sql, push, stream",
      '  featureViews[0].ttl: "2x" is not a duration',
      '  featureViews[0].tll: unknown field "tll"',
      '  featureViews[0].entities[0]: unknown entity "customer"; known entities: user',
      '  featureServices[0].features.user_stats[1]: feature view "user_stats" has no feature "ctr"; it has: clicks, avg_amount',
    ]) {
      expect(message).toContain(line);
    }
  });

  it('orders problems by the object they are in', async () => {
    const repo = specRepo();
    repo.featureServices[0].features = { nope: ['x'] };
    repo.featureViews[1].aggregation.cadence = '1 day';
    repo.featureViews[0].source = 'nope';
    repo.project = 'bad name';
    const paths = (await issuesOf(repo)).map((i) => i.path);
    expect(paths).toEqual(['project', 'featureViews[0].source', 'featureViews[1].aggregation.cadence', 'featureServices[0].features.nope']);
  });

  it('says what a missing field or a wrong source type is', async () => {
    expect(await problemsOf({ project: 'p', sources: [{ name: 's', path: 'x.parquet' }] })).toEqual([
      'sources[0].type: is required: use one of file, table, sql, push, stream',
    ]);
    expect(await problemsOf({ project: 'p', sources: [{ name: 's', type: 'file' }] })).toEqual([
      'sources[0].path: is required (string)',
    ]);
  });

  it('explains a bad key in a service feature map', async () => {
    const repo = specRepo();
    repo.featureServices[0].features = { 'user-stats': ['clicks'] };
    const problems = await problemsOf(repo);
    expect(problems).toContain(
      'featureServices[0].features.user-stats: bad key: must start with a letter or underscore and hold only letters, digits and underscores',
    );
  });

  it('survives input that is not a repo at all', async () => {
    expect(await problemsOf(null)).toEqual([': Invalid input: expected object, received null']);
    expect(await problemsOf([1, 2])).toEqual([': Invalid input: expected object, received array']);
    await expect(validateRepo('fraud')).rejects.toThrow('repo is invalid (1 problem):\n  (root): Invalid input: expected object');
    expect(await problemsOf({ project: 'p', entities: 'user', featureViews: [null, 3] })).toEqual([
      'entities: Invalid input: expected array, received string',
      'featureViews[0]: Invalid input: expected object, received null',
      'featureViews[1]: Invalid input: expected object, received number',
    ]);
  });

  it('exposes the shape check alone', () => {
    expect(checkRepoShape(specRepo()).repo?.project).toBe('fraud');
    const { repo, issues } = checkRepoShape({ project: 'p', featureViews: [{ name: 'v' }] });
    expect(repo).toBeUndefined();
    expect(issues.map((i) => i.path)).toEqual(['featureViews[0].entities', 'featureViews[0].source']);
  });
});

describe('checking views against the source columns', () => {
  const columns: Record<string, string[]> = {
    transactions: ['user_id', 'event_timestamp', 'created_timestamp', 'clicks', 'avg_amount', 'amount'],
  };
  const describeSource = async (source: Source): Promise<string[]> => {
    const found = columns[source.name];
    if (!found) throw new Error(`no such file: ${source.type === 'file' ? source.path : source.name}`);
    return found;
  };

  it('accepts a repo whose plain views match their source', async () => {
    await expect(validateRepo(specRepo(), { describeSource })).resolves.toBeDefined();
  });

  it('reports schema fields, timestamp fields and join keys missing from the source', async () => {
    const repo = specRepo();
    repo.featureViews[0].schema[1].name = 'avg_amt';
    repo.sources[0].createdTimestampField = 'inserted_at';
    repo.entities[0].joinKeys = ['uid'];
    repo.featureServices[0].features.user_stats = ['clicks'];
    const cols = 'user_id, event_timestamp, created_timestamp, clicks, avg_amount, amount';
    expect(await problemsOf(repo, { describeSource })).toEqual([
      `sources[0].createdTimestampField: created timestamp field "inserted_at" is not in source "transactions" (columns: ${cols})`,
      `featureViews[0].schema[1].name: column "avg_amt" is not in source "transactions" (columns: ${cols})`,
      `featureViews[0].entities[0]: join key "uid" of entity "user" is not in source "transactions" (columns: ${cols})`,
    ]);
  });

  it('leaves transform and aggregation views to the engine', async () => {
    const repo = specRepo();
    repo.featureViews[0].transform = { sql: 'SELECT user_id, event_timestamp, 1 AS clicks, 2.0 AS avg_amount FROM {source}' };
    repo.featureViews[0].schema[0].name = 'computed';
    repo.featureServices = [];
    const seen: string[] = [];
    await validateRepo(repo, { describeSource: async (s) => (seen.push(s.name), []) });
    expect(seen).toEqual([]);
  });

  it('reports a source that cannot be described at the source, once', async () => {
    const repo = specRepo();
    repo.sources.push({ name: 'clicks', type: 'file', path: 'data/missing.parquet' });
    repo.featureViews[1].source = 'clicks';
    repo.featureViews.push({ ...repo.featureViews[0], name: 'other', source: 'clicks' }, { ...repo.featureViews[0], name: 'third', source: 'clicks' });
    expect(await problemsOf(repo, { describeSource, repoDir: '/repo' })).toEqual([
      'sources[1]: cannot read source "clicks": no such file: data/missing.parquet',
    ]);
  });

  it('passes the repo folder and the whole repo to describeSource', async () => {
    const calls: string[] = [];
    await validateRepo(specRepo(), {
      repoDir: '/some/repo',
      describeSource: async (s, dir, repo) => (calls.push(`${s.name}@${dir} in ${repo.project}`), columns[s.name] ?? []),
    });
    expect(calls).toEqual(['transactions@/some/repo in fraud']);
  });

  it('skips the source check while the repo has shape problems', async () => {
    const repo = specRepo();
    repo.featureViews[0].ttl = 'soon';
    let calls = 0;
    await issuesOf(repo, { describeSource: async () => (calls++, []) });
    expect(calls).toBe(0);
  });
});
