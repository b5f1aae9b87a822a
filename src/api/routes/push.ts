/**
 * POST /push (Feast's PushFeaturesRequest): a frame of rows for every feature view reading a push source, written
 * to the online store, to the source's offline data, or both. Every view's rows are checked and encoded first;
 * the offline append comes before the online writes, so a served value is always in the offline data too (a
 * retry after an online failure appends the same rows again, which point-in-time joins read as one).
 */
import { requireWrite } from '../auth/guard.js';
import { checkWriteRows } from '../admission.js';
import { parseJson, readRequestBody } from '../body.js';
import { jsonReply, type Handler } from '../context.js';
import { BadRequestError } from '../errors.js';
import { frameOf, parseViewFrame } from '../push-frame.js';
import { parsePushRequest } from '../push-request.js';
import { encodeOnline, writeOffline, writeOnline, type ViewWriteSummary } from '../push-write.js';
import { NotFoundError } from '../../registry/errors.js';
import type { PushSource, Repo } from '../../registry/schema.js';

/** The 200 answer: per online view what Redis did, and the offline file appended (relative to offlineStore.path). */
interface PushSummary {
  push_source_name: string;
  to: string;
  rows: number;
  views: Record<string, ViewWriteSummary>;
  offline?: { file: string };
}

function pushSource(repo: Repo, name: string): PushSource {
  const source = repo.sources.find((s) => s.name === name);
  const pushNames = repo.sources.filter((s) => s.type === 'push').map((s) => s.name);
  if (!source) throw new NotFoundError(`unknown push source "${name}"; push sources: ${pushNames.join(', ') || '(none)'}`);
  if (source.type !== 'push') {
    throw new BadRequestError(`push_source_name: "${name}" is a ${source.type} source, not a push source; push sources: ${pushNames.join(', ') || '(none)'}`);
  }
  return source;
}

export const push: Handler = async (req, ctx) => {
  const request = parsePushRequest(parseJson(await readRequestBody(req, ctx)));
  const source = pushSource(ctx.repo, request.push_source_name);
  const views = ctx.repo.featureViews.filter((v) => v.source === source.name);
  if (views.length === 0) throw new NotFoundError(`no feature view reads push source "${source.name}"`);
  requireWrite(req, views.map((v) => v.name));
  const frame = frameOf(request.df);
  checkWriteRows(frame.rows, ctx.limits.maxRowsPerWrite, () => ctx.metrics.rejected('request_too_large'));
  const frames = views.map((view) => parseViewFrame(ctx.repo, view, frame));
  const toOnline = request.to !== 'offline';
  const online = toOnline ? frames.filter((f) => f.view.online).map((f) => encodeOnline(ctx.repo, f)) : [];

  const summary: PushSummary = {
    push_source_name: source.name,
    to: request.to,
    rows: frame.rows,
    views: {},
  };
  if (frame.rows === 0) return jsonReply(200, JSON.stringify(summary));
  if (request.to !== 'online') summary.offline = { file: await writeOffline(ctx, source, frames) };
  const results = await Promise.all(online.map((batch) => writeOnline(ctx, batch)));
  online.forEach((batch, i) => (summary.views[batch.layout.view] = results[i] as ViewWriteSummary));
  return jsonReply(200, JSON.stringify(summary));
};
