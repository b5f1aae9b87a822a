/**
 * `computeFreshness`: the freshness of online views as of a given instant, from the online store's watermarks and
 * alert states. The one function behind the checkFreshness activity, `GET /freshness`, `/metrics` and
 * `featureflow freshness`, so they can never disagree, and so the API and the CLI answer before any scheduled
 * check has run (nothing here depends on a check having been recorded). Views on a stream source are judged by
 * their ingestion state instead (stream.ts).
 */
import type { OnlineStore } from '../online/types.js';
import { FeatureflowError } from '../registry/errors.js';
import { findView } from '../registry/features.js';
import type { FeatureView, Repo } from '../registry/schema.js';
import type { FreshnessEntry } from '../workflows/contracts/check-freshness.js';
import { streamSourceOf } from '../registry/stream-view.js';
import { freshnessEntry } from './status.js';
import { streamFreshnessEntry } from './stream.js';

/**
 * What computeFreshness reads, sent together: watermarks, alerts, and the ingestion states of views on a stream
 * source (their freshness, see stream.ts; a store without getStreamStates reports them unknown).
 */
export type FreshnessSource = Pick<OnlineStore, 'getWatermarks' | 'getFreshnessRecords' | 'getStreamStates'>;

export interface ComputeFreshnessOptions {
  /** Also read each view's last alert (default true); `/metrics` does without, saving a round trip. */
  withAlerts?: boolean;
}

/** An offline view is never materialized, so asking for its freshness is a mistake worth saying so. */
export class ViewNotMaterializedError extends FeatureflowError {
  constructor(view: string) {
    super('VIEW_NOT_ONLINE', `feature view "${view}" has online: false; it is never materialized, so it has no freshness`);
  }
}

/**
 * The named views, in the order given (duplicates once), or every online view in registry order. Unknown names
 * fail with NotFoundError (listing the known views), offline views with VIEW_NOT_ONLINE.
 */
export function selectFreshnessViews(repo: Repo, names: readonly string[] | undefined): FeatureView[] {
  if (!names || names.length === 0) return repo.featureViews.filter((v) => v.online);
  return [...new Set(names)].map((name) => {
    const view = findView(repo, name);
    if (!view.online) throw new ViewNotMaterializedError(name);
    return view;
  });
}

export async function computeFreshness(
  repo: Repo,
  store: FreshnessSource,
  names: readonly string[] | undefined,
  checkedAt: Date,
  options: ComputeFreshnessOptions = {},
): Promise<FreshnessEntry[]> {
  // Names are checked before Redis is asked anything: a typo is a 404, even while Redis is down.
  const views = selectFreshnessViews(repo, names);
  const streams = views.filter((v) => streamSourceOf(repo, v)).map((v) => v.name);
  const [watermarks, alerts, states] = await Promise.all([
    store.getWatermarks(repo.project),
    options.withAlerts === false ? undefined : store.getFreshnessRecords(repo.project).then((r) => r.alerts),
    streams.length > 0 && store.getStreamStates ? store.getStreamStates(repo.project, streams) : undefined,
  ]);
  const at = checkedAt.getTime();
  return views.map((view) =>
    streams.includes(view.name)
      ? streamFreshnessEntry(view, states?.get(view.name), alerts?.get(view.name), at)
      : freshnessEntry(view, watermarks.get(view.name), alerts?.get(view.name), at),
  );
}
