import { describe, expect, it } from 'vitest';
import { DTYPES, elementDtype, isDtype, isListDtype, RepoSchema } from '../../../src/registry/index.js';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

describe('dtypes', () => {
  it('offers every scalar type and a list of each', () => {
    for (const t of ['int32', 'int64', 'float32', 'float64', 'string', 'bool', 'timestamp', 'bytes']) {
      expect(isDtype(t)).toBe(true);
      expect(isDtype(`${t}[]`)).toBe(true);
    }
    expect(DTYPES).toHaveLength(16);
  });

  it('rejects names that are not dtypes', () => {
    for (const t of ['int', 'float', 'double', 'text', 'int64[][]', '', 42]) expect(isDtype(t)).toBe(false);
  });

  it('tells lists from scalars and gives the element type', () => {
    expect(isListDtype('float32[]')).toBe(true);
    expect(isListDtype('float32')).toBe(false);
    expect(elementDtype('float32[]')).toBe('float32');
    expect(elementDtype('bytes')).toBe('bytes');
  });

  it('accepts list dtypes in a view schema', () => {
    const repo = specRepo();
    repo.featureViews[0].schema.push({ name: 'embedding', dtype: 'float32[]' });
    expect(RepoSchema.safeParse(repo).success).toBe(true);
  });

  it('names the bad dtype and the allowed ones', async () => {
    const repo = specRepo();
    repo.featureViews[0].schema[1].dtype = 'double';
    repo.entities[0].valueType = 'long';
    const problems = await problemsOf(repo);
    expect(problems).toEqual([
      expect.stringMatching(/^entities\[0\]\.valueType: "long" is not a dtype: use one of int32, .*float32\[\]/),
      expect.stringMatching(/^featureViews\[0\]\.schema\[1\]\.dtype: "double" is not a dtype/),
    ]);
  });
});
