/** GET /metrics: Prometheus text exposition format. */
import type { Handler } from '../context.js';

export const metrics: Handler = (_req, ctx) => ({
  status: 200,
  body: ctx.metrics.render(),
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
});
