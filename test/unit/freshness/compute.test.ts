import { describe, expect, it } from 'vitest';
import { computeFreshness, selectFreshnessViews } from '../../../src/freshness/compute.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { freshnessRepoInput } from './freshness-repo.js';

const repo: Repo = RepoSchema.parse(freshnessRepoInput());
const NOW = new Date('2024-05-01T12:00:00.000Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

function stagedStore(): FakeOnlineStore {
  const store = new FakeOnlineStore();
  store.watermarks.set('shop|user_stats', { end: ago(0), at: ago(120), newestEvent: ago(7200) });
  store.watermarks.set('shop|merchant_stats', { end: ago(0), at: ago(60), newestEvent: ago(60) });
  store.alerts.set('shop|user_stats', { status: 'stale', at: ago(300) });
  // Another project's records in the same store must not leak in.
  store.watermarks.set('other|pair_stats', { end: ago(0), at: ago(1), newestEvent: ago(1) });
  return store;
}

describe('computeFreshness', () => {
  it('gives every online view in registry order, offline ones left out', async () => {
    const entries = await computeFreshness(repo, stagedStore(), undefined, NOW);
    expect(entries.map((e) => [e.view, e.status])).toEqual([
      ['user_stats', 'stale'],
      ['user_profile', 'unknown'],
      ['merchant_stats', 'fresh'],
      ['pair_stats', 'unknown'],
    ]);
    expect(entries[0]).toMatchObject({ stalenessSeconds: 7200, maxStalenessSeconds: 3600, lastAlert: { status: 'stale', at: ago(300) } });
    expect(entries[2]).toMatchObject({ maxStalenessSeconds: null, sinceLastMaterializationSeconds: 60, lastAlert: null });
  });

  it('gives the named views in the order asked, each once', async () => {
    const entries = await computeFreshness(repo, stagedStore(), ['pair_stats', 'user_stats', 'pair_stats'], NOW);
    expect(entries.map((e) => e.view)).toEqual(['pair_stats', 'user_stats']);
  });

  it('refuses unknown and offline views before asking the store', async () => {
    const store = stagedStore();
    store.unavailable();
    await expect(computeFreshness(repo, store, ['user_stat'], NOW)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('known views: user_stats, user_profile, merchant_stats, pair_stats, archive'),
    });
    await expect(computeFreshness(repo, store, ['archive'], NOW)).rejects.toMatchObject({ code: 'VIEW_NOT_ONLINE' });
    expect(() => selectFreshnessViews(repo, ['archive'])).toThrow(/online: false/);
  });

  it('can leave the alert states out (metrics), reading the watermarks only', async () => {
    const store = stagedStore();
    let recordReads = 0;
    const counting = { getWatermarks: store.getWatermarks.bind(store), getFreshnessRecords: () => (recordReads++, store.getFreshnessRecords('shop')) };
    const entries = await computeFreshness(repo, counting, undefined, NOW, { withAlerts: false });
    expect(recordReads).toBe(0);
    expect(entries[0]).toMatchObject({ status: 'stale', lastAlert: null });
  });

  it('fails as the store fails when Redis is down', async () => {
    const store = stagedStore();
    store.unavailable();
    await expect(computeFreshness(repo, store, undefined, NOW)).rejects.toMatchObject({ code: 'ONLINE_STORE_UNAVAILABLE' });
  });
});
