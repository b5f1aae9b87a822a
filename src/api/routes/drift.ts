/**
 * GET /drift[?views=a,b]: each view's latest drift report as the checkDrift workflow stored it, with when it was
 * checked and the last drift alert sent (nulls for a view with `drift` that was never checked). Reading only: a
 * check scans stats, which is the workflow's job. Unknown view 404 NOT_FOUND, Redis down 503; admin like /freshness.
 */
import { readStoredDrift, selectStoredDriftViews } from '../../drift/stored.js';
import { jsonReply, type Handler } from '../context.js';
import { callStore } from '../store-call.js';
import { viewsParameter } from './freshness.js';

export const drift: Handler = async (req, ctx) => {
  const views = viewsParameter(req.url);
  // Names first, outside callStore: a typo is the client's 404, not a store error in the metrics.
  selectStoredDriftViews(ctx.repo, views);
  const entries = await callStore(ctx, 'reading drift reports', () => readStoredDrift(ctx.repo, ctx.store, views));
  return jsonReply(200, JSON.stringify({ project: ctx.repo.project, views: entries }));
};
