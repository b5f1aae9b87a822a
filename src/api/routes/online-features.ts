/**
 * POST /get-online-features (SPEC section 4): body -> size check -> validated request -> cached plan -> store reads
 * -> on-demand transforms, if any were requested. A big request is read and encoded in slices of about
 * limits.readSliceValues values, so one client's big batch does not hold the event loop while others wait. A small
 * one (one slice, the common body shape) takes the lean way: checked by hand, one store call, one pass to JSON.
 */
import { principalOf, requireRead } from '../auth/guard.js';
import { requireRequested } from '../auth/requested.js';
import type { IncomingMessage } from 'node:http';
import type { FeatureColumn } from '../../online/types.js';
import type { Repo } from '../../registry/schema.js';
import { RequestTooLargeError, yieldToEventLoop } from '../admission.js';
import { parseJson, readRequestBody } from '../body.js';
import { jsonReply, type ApiContext, type Handler } from '../context.js';
import { leanOnlineRequest } from '../lean-request.js';
import { computeOnDemand } from '../on-demand.js';
import type { ReadPlan } from '../online-plan.js';
import { parseOnlineFeaturesRequestSliced, type OnlineFeaturesRequest } from '../online-request.js';
import { rowsPerSlice, sliceEntities, slices } from '../read-slices.js';
import { scanRequestShape } from '../request-shape.js';
import { buildOnlineResponse, emptyCounts, OnlineResponseBuilder } from '../online-response.js';
import { callStore } from '../store-call.js';

/**
 * Bodies up to this size parse in well under a millisecond: not worth a scan first. They are also the ones checked
 * by hand when they have the common shape (lean-request.ts); bigger ones go through the schema, which yields to
 * other requests while it checks many entity values.
 */
const SCAN_BODIES_OVER = 64 * 1024;

export const getOnlineFeatures: Handler = async (req, ctx) => {
  const raw = await readRequestBody(req, ctx);
  // A big body is counted on its bytes first, a slice at a time: parsing it is itself the kind of work the limit
  // is there to refuse. Then, before validation (checking 200k entity values is such work too), on the parsed body.
  if (raw.length > SCAN_BODIES_OVER) {
    const shape = await scanRequestShape(raw, ctx.limits.maxValuesPerRequest);
    checkSize(ctx, shape.rows * Math.max(1, shape.features), shape.partial);
  }
  const body = parseJson(raw);
  checkSize(ctx, roughSize(ctx.repo, body));
  await ctx.reads.enter(clientKey(req));
  try {
    const lean = raw.length <= SCAN_BODIES_OVER ? leanOnlineRequest(body) : undefined;
    const request = lean ?? (await parseOnlineFeaturesRequestSliced(body));
    requireRequested(req, ctx.repo, request);
    const plan = ctx.planner.plan(request);
    requireRead(req, ctx.repo, plan.views);
    const rows = rowsOf(request.entities);
    checkSize(ctx, rows * Math.max(plan.features.length, plan.names.length - plan.entityKeys.length));
    // Decided before reading: the log then gets what this request was answered, slice by slice.
    const logged = ctx.servedLog?.sample(request.feature_service) ? request.feature_service : undefined;
    let json: string | Buffer;
    if (plan.onDemand) json = await readWithOnDemand(ctx, request, plan, rows, logged);
    else if (rows <= rowsPerSlice(ctx.limits.readSliceValues, plan.features.length)) json = await readOnce(ctx, request, plan, logged);
    else json = await readSliced(ctx, request, plan, rows, logged);
    return jsonReply(200, json);
  } finally {
    ctx.reads.leave();
  }
};

/** Rows of a validated request: the length of its first entity column (every column has it). */
function rowsOf(entities: OnlineFeaturesRequest['entities']): number {
  for (const key in entities) return (entities[key] as unknown[]).length;
  return 0;
}

/** Who a read is queued as: the token's name when auth is on, else the peer address. */
function clientKey(req: IncomingMessage): string {
  const principal = principalOf(req);
  return principal ? `token:${principal.name}` : `addr:${req.socket.remoteAddress ?? 'unknown'}`;
}

function checkSize(ctx: ApiContext, values: number, atLeast = false): void {
  if (values > ctx.limits.maxValuesPerRequest) {
    ctx.metrics.rejected('request_too_large');
    throw new RequestTooLargeError('entities x features', values, ctx.limits.maxValuesPerRequest, 'maxValuesPerRequest', atLeast);
  }
}

/** Entities x features of a parsed body not validated yet (0 for what validation refuses anyway). */
function roughSize(repo: Repo, body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const { entities, features, feature_service: service } = body as Record<string, unknown>;
  let rows = 0;
  if (typeof entities === 'object' && entities !== null) {
    for (const values of Object.values(entities)) if (Array.isArray(values)) rows = Math.max(rows, values.length);
  }
  let count = Array.isArray(features) ? features.length : 0;
  if (count === 0 && typeof service === 'string') {
    const found = repo.featureServices.find((s) => s.name === service);
    for (const names of Object.values(found?.features ?? {})) count += names.length;
  }
  return rows * Math.max(1, count);
}

/** Stored features only, of one slice (nearly every request): one store call, the response written in one go. */
async function readOnce(ctx: ApiContext, request: OnlineFeaturesRequest, plan: ReadPlan, logged: string | undefined): Promise<string> {
  const { entities } = request;
  const columns = await callStore(ctx, 'read', () => ctx.store.read({ entities, features: plan.features }));
  const counts = emptyCounts();
  const json = buildOnlineResponse(plan, entities, columns, counts);
  if (logged !== undefined) ctx.servedLog?.record(logged, entities, columns);
  ctx.metrics.valuesServed(counts);
  return json;
}

/** Stored features only, more than one slice: each slice is read, then encoded into the response, before the next. */
async function readSliced(
  ctx: ApiContext,
  request: OnlineFeaturesRequest,
  plan: ReadPlan,
  rows: number,
  logged: string | undefined,
): Promise<string | Buffer> {
  const sliced = rows > rowsPerSlice(ctx.limits.readSliceValues, plan.features.length);
  const builder = new OnlineResponseBuilder(plan, sliced);
  const counts = emptyCounts();
  for (const [from, to] of slices(ctx.limits.readSliceValues, plan.features.length, rows, () => ctx.reads.inFlight > 1)) {
    if (from > 0) await yieldToEventLoop();
    const entities = sliceEntities(request.entities, from, to);
    const columns = await callStore(ctx, 'read', () => ctx.store.read({ entities, features: plan.features }));
    builder.add(entities, columns, counts);
    if (logged !== undefined) ctx.servedLog?.record(logged, entities, columns);
  }
  ctx.metrics.valuesServed(counts);
  return sliced ? builder.finishBuffer() : builder.finish();
}

/**
 * With on-demand features: reads are sliced, but transforms run once over every row (a TypeScript transform sees
 * the whole batch, as it does in training) and the response is built in one go.
 */
async function readWithOnDemand(
  ctx: ApiContext,
  request: OnlineFeaturesRequest,
  plan: ReadPlan,
  rows: number,
  logged: string | undefined,
): Promise<string> {
  const onDemand = plan.onDemand as NonNullable<ReadPlan['onDemand']>;
  let reads: FeatureColumn[] | undefined;
  for (const [from, to] of slices(ctx.limits.readSliceValues, plan.features.length, rows)) {
    if (from > 0) await yieldToEventLoop();
    const entities = sliceEntities(request.entities, from, to);
    const part = await callStore(ctx, 'read', () => ctx.store.read({ entities, features: plan.features }));
    reads = reads ? reads.map((column, i) => appendColumn(column, part[i] as FeatureColumn)) : part;
  }
  const columns = computeOnDemand(onDemand, request.entities, reads ?? [], (i) => {
    const { layout, feature } = plan.features[i] as (typeof plan.features)[number];
    return layout.dtypes[layout.features.indexOf(feature)];
  });
  const counts = emptyCounts();
  const builder = new OnlineResponseBuilder(plan);
  builder.add(request.entities, columns, counts);
  if (logged !== undefined) ctx.servedLog?.record(logged, request.entities, columns);
  ctx.metrics.valuesServed(counts);
  return builder.finish();
}

function appendColumn(into: FeatureColumn, more: FeatureColumn): FeatureColumn {
  for (let i = 0; i < more.values.length; i++) {
    into.values.push(more.values[i] ?? null);
    into.statuses.push(more.statuses[i] ?? 'NOT_FOUND');
    into.eventMicros.push(more.eventMicros[i] ?? 0);
  }
  return into;
}
