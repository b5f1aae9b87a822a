/**
 * GET /ready: readiness. 200 when the registry is loaded (it is, once the server exists) and Redis answers a ping;
 * 503 while Redis is unreachable or the server is shutting down, so load balancers send traffic elsewhere.
 */
import { jsonReply, type Handler } from '../context.js';
import { errorBody, errorReply, NotReadyError } from '../errors.js';
import { callStore } from '../store-call.js';

export const ready: Handler = async (_req, ctx) => {
  try {
    if (ctx.isClosing()) throw new NotReadyError('shutting down');
    await callStore(ctx, 'ping', () => ctx.store.ping());
  } catch (err) {
    const reply = errorReply(err);
    if (reply.isBug) throw err;
    return jsonReply(503, errorBody(reply.code, reply.message), { 'Retry-After': '1' });
  }
  return jsonReply(200, JSON.stringify({ status: 'ready', project: ctx.repo.project }));
};
