/**
 * GET /registry: the repo this server serves, as JSON (the validated object, defaults filled in), with any password
 * in the online store URL masked: the registry is meant for tools and dashboards, not for handing out credentials.
 */
import type { Repo } from '../../registry/schema.js';
import { jsonReply, type Handler } from '../context.js';

const bodies = new WeakMap<Repo, string>();

export const registry: Handler = (_req, ctx) => {
  let body = bodies.get(ctx.repo);
  if (body === undefined) {
    // A TypeScript on-demand transform is shown as its source text (JSON.stringify would drop it).
    body = JSON.stringify(
      { ...ctx.repo, onlineStore: { ...ctx.repo.onlineStore, url: maskPassword(ctx.repo.onlineStore.url) } },
      (_key, value: unknown) => (typeof value === 'function' ? value.toString() : value),
    );
    bodies.set(ctx.repo, body);
  }
  return jsonReply(200, body);
};

/** `redis://user:secret@host:6379/0` -> `redis://user:***@host:6379/0`; anything unparsable is left as it is. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
