/**
 * POST /write-to-online-store (Feast's WriteToFeatureStoreRequest): a frame of one view's rows written to the
 * online store, newer-wins. This is what Feast's SDK sends with a remote online store
 * (`store.write_to_online_store(view, df)`): join keys, features in transport form, `event_timestamp` and `created`
 * as naive ISO-8601 UTC (or null). The view's source's own timestamp column names work too.
 */
import { requireWrite } from '../auth/guard.js';
import { checkWriteRows } from '../admission.js';
import { parseJson, readRequestBody } from '../body.js';
import { jsonReply, type Handler } from '../context.js';
import { ViewNotOnlineError } from '../errors.js';
import { frameOf, parseViewFrame } from '../push-frame.js';
import { parseWriteRequest } from '../push-request.js';
import { encodeOnline, writeOnline } from '../push-write.js';
import { findView } from '../../registry/features.js';
import { StreamViewNotMaterializedError, streamSourceOf } from '../../registry/stream-view.js';

export const writeToOnlineStore: Handler = async (req, ctx) => {
  const request = parseWriteRequest(parseJson(await readRequestBody(req, ctx)));
  // Before the lookup, whose 404 lists every view.
  requireWrite(req, [request.feature_view_name]);
  const view = findView(ctx.repo, request.feature_view_name);
  if (!view.online) throw new ViewNotOnlineError(view.name);
  // A stream view is served from its tiles: rows written for it would never be read.
  const stream = streamSourceOf(ctx.repo, view);
  if (stream) throw new StreamViewNotMaterializedError(view.name, stream.name);
  const frame = frameOf(request.df);
  checkWriteRows(frame.rows, ctx.limits.maxRowsPerWrite, () => ctx.metrics.rejected('request_too_large'));
  const batch = encodeOnline(ctx.repo, parseViewFrame(ctx.repo, view, frame));
  const summary = { feature_view_name: view.name, rows: frame.rows, written: 0, skippedOlder: 0, skippedExpired: 0 };
  if (frame.rows === 0) return jsonReply(200, JSON.stringify(summary));
  return jsonReply(200, JSON.stringify({ ...summary, ...(await writeOnline(ctx, batch)) }));
};
