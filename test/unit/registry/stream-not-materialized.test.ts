// Views on a stream source are served from their tiles, so nothing materializes them: a schedule is refused when the
// repo is validated, `materialize` over every view leaves them out, and naming one is a clear INVALID_REQUEST.
import { describe, expect, it } from 'vitest';
import { parseMaterializeRequest } from '../../../src/api/materialize-request.js';
import { selectOnlineViews, type MaterializeDeps } from '../../../src/materialize/materialize-view.js';
import { validateRepo, type Repo } from '../../../src/registry/index.js';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

function withStream(view: Record<string, unknown> = {}) {
  const repo = specRepo();
  repo.sources.push({ name: 'txn_stream', type: 'stream', batchSource: 'transactions', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.>', durable: 'ff' } });
  repo.featureViews.push({
    name: 'live_txn', entities: ['user'], source: 'txn_stream',
    aggregation: { cadence: '1m', windows: ['5m'], features: [{ name: 'txn_count', function: 'count' }] },
    ...view,
  }); // prettier-ignore
  return repo;
}

const deps = (repo: Repo): MaterializeDeps => ({ ctx: { repo } }) as unknown as MaterializeDeps;
const NOT_MATERIALIZED =
  'feature view "live_txn" reads stream source "txn_stream": its online values are merged from the stream\'s tiles at request time, so it is not materialized; keep it fresh with `featureflow stream start live_txn`';

describe('stream views and materialization', () => {
  it('refuse a materialization schedule on a stream view', async () => {
    expect(await problemsOf(withStream({ schedule: { cron: '0 * * * *' } }))).toEqual([
      'featureViews[2].schedule: the view reads stream source "txn_stream": its online values are merged from the stream\'s tiles at request time (`featureflow stream start`), so it takes no materialization schedule',
    ]);
  });

  it('leave stream views out of a run over every online view', async () => {
    const repo = await validateRepo(withStream());
    expect(selectOnlineViews(deps(repo), undefined).map((v) => v.name)).toEqual(['user_stats', 'user_txn']);
    expect(parseMaterializeRequest({ disable_event_timestamp: true }, repo, Date.now()).views).toEqual(['user_stats', 'user_txn']);
  });

  it('refuse a named stream view with INVALID_REQUEST saying where its values come from', async () => {
    const repo = await validateRepo(withStream());
    expect(() => selectOnlineViews(deps(repo), ['user_stats', 'live_txn'])).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: NOT_MATERIALIZED }));
    expect(() => parseMaterializeRequest({ disable_event_timestamp: true, feature_views: ['live_txn'] }, repo, Date.now())).toThrow(NOT_MATERIALIZED);
  });
});
