/**
 * POST /get-online-features (SPEC section 4): body -> validated request -> cached plan -> one store read -> on-demand
 * transforms, if any were requested.
 */
import { requireRead } from '../auth/guard.js';
import { requireRequested } from '../auth/requested.js';
import { parseJson, readBody } from '../body.js';
import { jsonReply, type Handler } from '../context.js';
import { computeOnDemand } from '../on-demand.js';
import { parseOnlineFeaturesRequest } from '../online-request.js';
import { buildOnlineResponse, emptyCounts } from '../online-response.js';
import { callStore } from '../store-call.js';

export const getOnlineFeatures: Handler = async (req, ctx) => {
  const body = await readBody(req, ctx.limits.maxBodyBytes);
  const request = parseOnlineFeaturesRequest(parseJson(body));
  requireRequested(req, ctx.repo, request);
  const plan = ctx.planner.plan(request);
  requireRead(req, ctx.repo, plan.views);
  const reads = await callStore(ctx, 'read', () =>
    ctx.store.read({ entities: request.entities, features: plan.features }),
  );
  const columns = plan.onDemand
    ? computeOnDemand(plan.onDemand, request.entities, reads, (i) => {
        const { layout, feature } = plan.features[i] as (typeof plan.features)[number];
        return layout.dtypes[layout.features.indexOf(feature)];
      })
    : reads;
  const counts = emptyCounts();
  const json = buildOnlineResponse(plan, request.entities, columns, counts);
  ctx.metrics.valuesServed(counts);
  return jsonReply(200, json);
};
