/** The route table: path -> handler per method. Paths are matched exactly (the query string is ignored). */
import type { Handler } from '../context.js';
import { drift } from './drift.js';
import { freshness } from './freshness.js';
import { health } from './health.js';
import { materialize, materializeIncremental } from './materialize.js';
import { metrics } from './metrics.js';
import { getOnlineFeatures } from './online-features.js';
import { push } from './push.js';
import { ready } from './ready.js';
import { registry } from './registry.js';
import { uiAsset, uiPage } from './ui.js';
import { writeToOnlineStore } from './write-to-online-store.js';
import { registryHistory } from '../ui/registry-history.js';

export interface Route {
  path: string;
  methods: Readonly<Record<string, Handler>>;
  /** The Allow header for a 405. */
  allow: readonly string[];
}

function route(path: string, methods: Record<string, Handler>): Route {
  // HEAD is answered like GET (Node leaves the body out), as HTTP asks of every GET resource.
  const all = methods.GET ? { ...methods, HEAD: methods.GET } : methods;
  return { path, methods: all, allow: Object.keys(all) };
}

export const ROUTES: ReadonlyMap<string, Route> = new Map(
  [
    route('/get-online-features', { POST: getOnlineFeatures }),
    route('/push', { POST: push }),
    route('/write-to-online-store', { POST: writeToOnlineStore }),
    route('/materialize', { POST: materialize }),
    route('/materialize-incremental', { POST: materializeIncremental }),
    route('/health', { GET: health }),
    route('/ready', { GET: ready }),
    route('/registry', { GET: registry }),
    route('/freshness', { GET: freshness }),
    route('/drift', { GET: drift }),
    route('/metrics', { GET: metrics }),
    route('/registry/history', { GET: registryHistory }),
    route('/ui', { GET: uiPage }),
  ].map((r) => [r.path, r]),
);

/** The one prefix route: the catalog's files. One metrics label for all of them, whatever path is asked for. */
const UI_ASSETS_ROUTE = route('/ui/*', { GET: uiAsset });

/** The route for a path: an exact match, else the catalog's files under /ui/. */
export function findRoute(path: string): Route | undefined {
  return ROUTES.get(path) ?? (path.startsWith('/ui/') ? UI_ASSETS_ROUTE : undefined);
}

/** The path of a request target: `/ready?x=1` -> `/ready`. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
