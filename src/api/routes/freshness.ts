/**
 * GET /freshness[?views=a,b]: each online view's freshness, computed now by the same code as the checkFreshness
 * workflow's activity (so it answers before any scheduled check ran), with the last alert sent. Unknown view 404
 * NOT_FOUND, offline view 404 VIEW_NOT_ONLINE, Redis down 503.
 */
import { computeFreshness, selectFreshnessViews } from '../../freshness/compute.js';
import { jsonReply, type Handler } from '../context.js';
import { BadRequestError } from '../errors.js';
import { callStore } from '../store-call.js';

export const freshness: Handler = async (req, ctx) => {
  const views = viewsParameter(req.url);
  // Names first, outside callStore: a typo is the client's 404, not a store error in the metrics.
  selectFreshnessViews(ctx.repo, views);
  const checkedAt = new Date();
  const entries = await callStore(ctx, 'reading freshness', () => computeFreshness(ctx.repo, ctx.store, views, checkedAt));
  return jsonReply(200, JSON.stringify({ project: ctx.repo.project, checkedAt: checkedAt.toISOString(), views: entries }));
};

/** `views=a,b` (or `views=a&views=b`); absent means every online view. Other parameters are ignored, as elsewhere. */
export function viewsParameter(url: string | undefined): string[] | undefined {
  const params = new URL(url ?? '/', 'http://localhost').searchParams;
  if (!params.has('views')) return undefined;
  const names = params.getAll('views').flatMap((v) => v.split(',')).map((v) => v.trim());
  if (names.length === 0 || names.some((v) => v === '')) {
    throw new BadRequestError(`views: expected feature view names separated by commas, like views=user_stats,merchant_stats; got ${JSON.stringify(params.getAll('views').join(','))}`);
  }
  return names;
}
