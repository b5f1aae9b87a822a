import { describe, expect, it } from 'vitest';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

describe('the serving log folder', () => {
  it('reserves the view name "_served", where `serve --log-served` writes', async () => {
    const repo = specRepo();
    repo.featureViews[0].name = '_served';
    expect(await problemsOf(repo)).toContain('featureViews[0].name: "_served" is reserved: the serving log lives in <offlineStore.path>/_served');
  });
});
