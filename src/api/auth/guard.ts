/**
 * Who may call what. The server calls authorizeRoute() before any handler runs (route level: open, read, write or
 * admin); the read and write routes then call requireRead()/requireWrite() once they know which views a request
 * touches (after planning, or after resolving the pushed source's views). Without a token source, auth is off and
 * every check passes.
 */
import type { IncomingMessage } from 'node:http';
import type { Repo } from '../../registry/schema.js';
import { ForbiddenError, UnauthenticatedError } from './errors.js';
import { bearerOf } from './header.js';
import type { TokenSource } from './token-source.js';
import type { Principal } from './tokens.js';

export type RouteAccess = 'open' | 'read' | 'write' | 'admin';

/** Routes not listed (the registry, metrics, materialize, the catalog, and anything added later) need admin. */
const ACCESS: ReadonlyMap<string, RouteAccess> = new Map([
  ['/health', 'open'],
  ['/ready', 'open'],
  ['/get-online-features', 'read'],
  ['/push', 'write'],
  ['/write-to-online-store', 'write'],
]);

export function routeAccess(path: string | undefined): RouteAccess {
  return (path !== undefined && ACCESS.get(path)) || 'admin';
}

/** The token's principal per request, for the view-level checks in the routes. */
const PRINCIPALS = new WeakMap<IncomingMessage, Principal>();

/**
 * Route-level check; throws UnauthenticatedError (401) or ForbiddenError (403). `route` is the matched route's
 * path (undefined when none matched: unknown paths are admin-only, so they reveal nothing to others).
 */
export function authorizeRoute(source: TokenSource | undefined, req: IncomingMessage, route: string | undefined): void {
  if (!source) return;
  const access = routeAccess(route);
  if (access === 'open') return;
  const bearer = bearerOf(req);
  if (bearer.kind === 'missing') throw new UnauthenticatedError('authentication required: send "Authorization: Bearer <token>"');
  if (bearer.kind === 'malformed') throw new UnauthenticatedError(`malformed Authorization header: ${bearer.why}`);
  const principal = source.current().find(bearer.token);
  if (!principal) throw new UnauthenticatedError('invalid token');
  const { scopes } = principal;
  if (access === 'admin' && !scopes.admin) throw new ForbiddenError(`${route ?? 'this path'} needs the admin scope`);
  if (access === 'read' && !scopes.canReadSomething()) throw new ForbiddenError(`${route} needs a service:, view: or admin scope`);
  if (access === 'write' && !scopes.canWriteSomething()) throw new ForbiddenError(`${route} needs a write: or admin scope`);
  PRINCIPALS.set(req, principal);
}

/** The principal authorizeRoute() found for a request; undefined when auth is off or the route is open. */
export function principalOf(req: IncomingMessage): Principal | undefined {
  return PRINCIPALS.get(req);
}

/** Every view a read touches (requested views, on-demand views and the views they compute from) must be covered. */
export function requireRead(req: IncomingMessage, repo: Repo, views: Iterable<string>): void {
  const principal = PRINCIPALS.get(req);
  if (!principal) return;
  const missing = [...views].filter((v) => !principal.scopes.canRead(repo, v));
  if (missing.length > 0) {
    throw new ForbiddenError(
      `this token may not read feature view${missing.length === 1 ? '' : 's'} ${quoted(missing)} ` +
        `(needs ${missing.map((v) => `view:${v}`).join(', ')}, or a service: scope whose service uses ${missing.length === 1 ? 'it' : 'them'})`,
    );
  }
}

/** Every view a write lands in must be covered by a write: scope. */
export function requireWrite(req: IncomingMessage, views: Iterable<string>): void {
  const principal = PRINCIPALS.get(req);
  if (!principal) return;
  const missing = [...views].filter((v) => !principal.scopes.canWrite(v));
  if (missing.length > 0) {
    throw new ForbiddenError(
      `this token may not write feature view${missing.length === 1 ? '' : 's'} ${quoted(missing)} (needs ${missing.map((v) => `write:${v}`).join(', ')})`,
    );
  }
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}
