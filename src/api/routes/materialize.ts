/**
 * POST /materialize and /materialize-incremental: Feast's request shapes, but the work runs as a Temporal workflow
 * (`materialize` / `materializeIncremental`) on the workers, not in the API process: it survives an API restart,
 * shows in the Temporal UI, and the same request sent twice finds the run already going. Answers 202 with the
 * workflow id and UI link; `?wait=true` answers when the run is done (200, or 500 naming why it failed), or 202 if
 * it is still running after `?timeout=` seconds (default 300).
 */
import type { IncomingMessage } from 'node:http';
import { parseJson, readRequestBody } from '../body.js';
import { jsonReply, type ApiContext, type Handler, type Reply } from '../context.js';
import { BadRequestError, TemporalUnavailableError } from '../errors.js';
import { parseMaterializeIncrementalRequest, parseMaterializeRequest } from '../materialize-request.js';
import type { StartedWorkflow, WorkflowStarter } from '../workflow-starter.js';

const DEFAULT_WAIT_SECONDS = 300;
const MAX_WAIT_SECONDS = 3600;

export const materialize: Handler = async (req, ctx) => {
  const wait = waitOf(req);
  const request = parseMaterializeRequest(parseJson(await readRequestBody(req, ctx)), ctx.repo, Date.now());
  const started = await starter(ctx).materialize(request);
  return answer(ctx, started, request.views, wait);
};

export const materializeIncremental: Handler = async (req, ctx) => {
  const wait = waitOf(req);
  const request = parseMaterializeIncrementalRequest(parseJson(await readRequestBody(req, ctx)), ctx.repo);
  const started = await starter(ctx).materializeIncremental(request);
  return answer(ctx, started, request.views, wait);
};

function starter(ctx: ApiContext): WorkflowStarter {
  if (!ctx.workflows) throw new TemporalUnavailableError('this server was started without a Temporal connection, so it cannot start workflows');
  return ctx.workflows;
}

async function answer(ctx: ApiContext, started: StartedWorkflow, views: string[], waitSeconds: number | undefined): Promise<Reply> {
  // Feast's clients read `status` and `feature_views` from its 202; the rest is ours.
  const head = {
    feature_views: views,
    workflow_id: started.workflowId,
    run_id: started.runId,
    ui_url: started.uiUrl,
    already_running: started.alreadyRunning,
  };
  if (waitSeconds === undefined) return jsonReply(202, JSON.stringify({ status: 'accepted', ...head }));
  const outcome = await starter(ctx).outcome(started, waitSeconds * 1000);
  if (outcome.status === 'running') return jsonReply(202, JSON.stringify({ status: 'running', ...head }));
  if (outcome.status === 'failed') {
    return jsonReply(500, JSON.stringify({ status: 'failed', ...head, error: { code: 'WORKFLOW_FAILED', message: outcome.message } }));
  }
  return jsonReply(200, JSON.stringify({ status: 'completed', ...head, result: outcome.result }));
}

/** Seconds to wait for the result, or undefined to answer at once. */
function waitOf(req: IncomingMessage): number | undefined {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const wait = query.get('wait');
  if (wait === null || wait === 'false' || wait === '0') {
    if (query.has('timeout')) throw new BadRequestError('invalid request: timeout only applies with wait=true');
    return undefined;
  }
  if (wait !== 'true' && wait !== '1' && wait !== '') throw new BadRequestError(`invalid request: wait must be true or false, got ${JSON.stringify(wait)}`);
  const timeout = query.get('timeout');
  if (timeout === null) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(timeout);
  if (!/^\d+$/.test(timeout) || seconds < 1 || seconds > MAX_WAIT_SECONDS) {
    throw new BadRequestError(`invalid request: timeout must be whole seconds from 1 to ${MAX_WAIT_SECONDS}, got ${JSON.stringify(timeout)}`);
  }
  return seconds;
}
