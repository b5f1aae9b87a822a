/** The route table: path -> handler per method. Paths are matched exactly (the query string is ignored). */
import type { Handler } from '../context.js';
import { freshness } from './freshness.js';
import { health } from './health.js';
import { materialize, materializeIncremental } from './materialize.js';
import { metrics } from './metrics.js';
import { getOnlineFeatures } from './online-features.js';
import { push } from './push.js';
import { ready } from './ready.js';
import { registry } from './registry.js';
import { writeToOnlineStore } from './write-to-online-store.js';

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
    route('/metrics', { GET: metrics }),
  ].map((r) => [r.path, r]),
);

/** The path of a request target: `/ready?x=1` -> `/ready`. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
