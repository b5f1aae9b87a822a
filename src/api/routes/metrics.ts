/**
 * GET /metrics: Prometheus text exposition format. The freshness gauges are computed at scrape time by the same
 * code as GET /freshness (one Redis round trip: watermarks only); while Redis is down they have no samples, the
 * rest still renders, and the store error counter (collected after the attempt) shows the failure. With
 * `serve --workers N` the counters, histograms and gauges are the sum of every worker's (cluster-metrics.ts); the
 * freshness and stream gauges (stream-metrics.ts), read from Redis, are rendered once by the worker answering.
 */
import { computeFreshness } from '../../freshness/compute.js';
import type { FreshnessEntry } from '../../workflows/contracts/check-freshness.js';
import type { ApiContext, Handler } from '../context.js';
import { errorReply } from '../errors.js';
import { errorFields } from '../logger.js';
import { renderFreshnessGauges, renderMetrics } from '../metrics-render.js';
import { callStore } from '../store-call.js';
import { renderStreamMetrics } from '../stream-metrics.js';
import type { StoredStreamState } from '../../online/stream-tiles.js';
import { streamSourceOf } from '../../registry/stream-view.js';

export const metrics: Handler = async (_req, ctx) => {
  const [freshness, streams] = await Promise.all([freshnessOrNothing(ctx), streamStatesOrNothing(ctx)]);
  const snapshot = await ctx.collectMetrics();
  return {
    status: 200,
    body: renderMetrics(snapshot) + renderFreshnessGauges(freshness) + renderStreamMetrics(streams, Date.now()),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  };
};

/** The ingestion states of the views on a stream source (stream-metrics.ts); undefined when there are none to read. */
async function streamStatesOrNothing(ctx: ApiContext): Promise<Map<string, StoredStreamState> | undefined> {
  const views = ctx.repo.featureViews.filter((v) => streamSourceOf(ctx.repo, v)).map((v) => v.name);
  const read = ctx.store.getStreamStates?.bind(ctx.store);
  if (views.length === 0 || !read) return undefined;
  try {
    return await callStore(ctx, 'reading stream states', () => read(ctx.repo.project, views));
  } catch (err) {
    if (errorReply(err).isBug) ctx.logger.error('stream metrics failed', errorFields(err));
    return undefined;
  }
}

async function freshnessOrNothing(ctx: ApiContext): Promise<FreshnessEntry[] | undefined> {
  try {
    return await callStore(ctx, 'reading watermarks', () => computeFreshness(ctx.repo, ctx.store, undefined, new Date(), { withAlerts: false }));
  } catch (err) {
    // Counted by callStore; a scrape must not fail because one of its sources did. Only a bug is worth a log line.
    if (errorReply(err).isBug) ctx.logger.error('freshness gauges failed', errorFields(err));
    return undefined;
  }
}
