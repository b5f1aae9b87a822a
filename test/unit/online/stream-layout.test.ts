// The layout of a stream view (what serving needs to merge its tiles) and the split of a read's feature list into
// stored and stream features, worked out once per list.
import { describe, expect, it } from 'vitest';
import { viewLayout } from '../../../src/online/layout.js';
import { mergeColumns, splitStream } from '../../../src/online/stream-read.js';
import type { FeatureColumn } from '../../../src/online/types.js';
import { validateRepo } from '../../../src/registry/index.js';
import { specRepo } from '../../fixtures/repos/helpers.js';

async function repo() {
  const input = specRepo();
  input.sources.push({ name: 'txn_stream', type: 'stream', batchSource: 'transactions', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.>', durable: 'ff' } });
  input.featureViews.push({
    name: 'live_txn', entities: ['user'], source: 'txn_stream', freshness: { maxStaleness: '30s' },
    aggregation: { cadence: '1m', windows: ['5m', '1h'], features: [{ name: 'n', function: 'count' }, { name: 'top', function: 'max', column: 'amount' }] },
  }); // prettier-ignore
  return validateRepo(input);
}

describe('stream view layout', () => {
  it('gives each feature column its function, window, the tile size and the freshness SLA', async () => {
    const layout = viewLayout(await repo(), 'live_txn');
    expect(layout.features).toEqual(['n_5m', 'n_1h', 'top_5m', 'top_1h']);
    expect(layout.stream).toEqual({
      tileMicros: 60_000_000,
      kinds: ['count', 'max'],
      windowMicros: [300_000_000, 3_600_000_000],
      columns: [
        { feature: 0, window: 0 },
        { feature: 0, window: 1 },
        { feature: 1, window: 0 },
        { feature: 1, window: 1 },
      ],
      maxStalenessMs: 30_000,
    });
  });

  it('has no stream part for a view on a batch source, batch aggregations included', async () => {
    const r = await repo();
    expect(viewLayout(r, 'user_stats').stream).toBeUndefined();
    expect(viewLayout(r, 'user_txn').stream).toBeUndefined();
  });

  it('splits a feature list into stored and stream features and puts the columns back in request order', async () => {
    const r = await repo();
    const live = viewLayout(r, 'live_txn');
    const stats = viewLayout(r, 'user_stats');
    const features = [
      { layout: live, feature: 'top_1h' },
      { layout: stats, feature: 'clicks' },
      { layout: live, feature: 'n_5m' },
    ];
    expect(splitStream([{ layout: stats, feature: 'clicks' }], 'ff')).toBeUndefined();
    const split = splitStream(features, 'ff');
    expect(split).toMatchObject({ storedAt: [1], streamAt: [0, 2], streamView: [0, 0], streamColumn: [{ feature: 1, window: 1 }, { feature: 0, window: 0 }] });
    expect(split?.stored).toEqual([{ layout: stats, feature: 'clicks' }]);
    expect(split?.views.map((v) => v.stateKey)).toEqual(['ff:fraud:{st:live_txn}:__state']);
    // The tiles read are those of the features and windows asked for: both functions, both windows here.
    expect(split?.views.map((v) => v.selection)).toEqual([{ features: [0, 1], windows: [0, 1] }]);
    expect(splitStream([{ layout: live, feature: 'top_5m' }], 'ff')?.views[0]?.selection).toEqual({ features: [1], windows: [0] });
    const column = (v: number): FeatureColumn => ({ values: [v], statuses: ['PRESENT'], eventMicros: [0] });
    expect(mergeColumns(split!, [column(1)], [column(0), column(2)]).map((c) => c.values[0])).toEqual([0, 1, 2]);
  });

  it('refuses a feature the stream view does not have', async () => {
    const live = viewLayout(await repo(), 'live_txn');
    expect(() => splitStream([{ layout: live, feature: 'n_2h' }], 'ff')).toThrow('feature view "live_txn" has no feature "n_2h"');
  });
});
