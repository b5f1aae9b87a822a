/**
 * GET /ui and /ui/<asset>: the web catalog, a static page that reads /registry, /registry/history and /freshness and
 * posts to /get-online-features. Only the known asset names are served (see ui/assets.ts); anything else under
 * /ui/ is a 404 naming them.
 */
import type { IncomingMessage } from 'node:http';
import type { Handler, Reply } from '../context.js';
import { RouteNotFoundError } from '../errors.js';
import { UI_ASSETS, type UiAsset } from '../ui/assets.js';

/** Revalidate every time (a 304 is cheap) so a redeployed server is never shown with stale scripts. */
const CACHE_CONTROL = 'no-cache';
/** The page only ever talks to its own server and runs no inline script. */
const CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const uiPage: Handler = (req) => serve(req, 'index.html');

export const uiAsset: Handler = (req) => {
  const name = requestPath(req).slice('/ui/'.length);
  return serve(req, name === '' ? 'index.html' : name);
};

function serve(req: IncomingMessage, name: string): Reply {
  const asset = UI_ASSETS.get(name);
  if (!asset) throw new RouteNotFoundError(requestPath(req), ['/ui', ...[...UI_ASSETS.keys()].map((n) => `/ui/${n}`)]);
  const headers = assetHeaders(asset);
  if (matchesEtag(req.headers['if-none-match'], asset.etag)) return { status: 304, body: '', contentType: asset.contentType, headers };
  return { status: 200, body: asset.body, contentType: asset.contentType, headers };
}

function assetHeaders(asset: UiAsset): Record<string, string> {
  return {
    ETag: asset.etag,
    'Cache-Control': CACHE_CONTROL,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': CSP,
    'Referrer-Policy': 'no-referrer',
  };
}

/** `If-None-Match` may list several tags, weak ones (`W/"..."`) included, or be `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** The target without its query string (index.ts's pathOf; importing it would make a cycle). */
function requestPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0] ?? '/';
}
