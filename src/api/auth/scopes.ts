/**
 * Token scopes: what a token may do. Kept to four kinds so a token file reads at a glance:
 *
 *   admin              every route (registry, metrics, materialize, the catalog, ...), every read and write
 *   service:NAME|*     read the views a feature service uses (with its on-demand views' sources)
 *   view:NAME|*        read one feature view or on-demand view (`*`: all of them)
 *   write:NAME|*       write one view's rows (/write-to-online-store, and /push to a source that view reads)
 *
 * Checks are per view: a request is allowed only when every view it reads (or writes) is covered.
 */
import { findOnDemandView } from '../../registry/on-demand.js';
import type { Repo } from '../../registry/schema.js';

export type ScopeKind = 'service' | 'view' | 'write';

export type Scope = { kind: 'admin' } | { kind: ScopeKind; name: string };

/** Registry names (schema.ts's Name) or `*`. */
const SCOPE_RE = /^(service|view|write):([A-Za-z_][A-Za-z0-9_]*|\*)$/;

export const SCOPE_HELP = 'a scope is "admin", "service:NAME", "view:NAME" or "write:NAME" (NAME may be *)';

/** The scope a string names, or undefined when it names none. */
export function parseScope(text: string): Scope | undefined {
  if (text === 'admin') return { kind: 'admin' };
  const match = SCOPE_RE.exec(text);
  if (!match) return undefined;
  return { kind: match[1] as ScopeKind, name: match[2] as string };
}

/** A token's scopes, indexed for the per-request checks. */
export class ScopeSet {
  readonly admin: boolean;
  private readonly names: Record<ScopeKind, Set<string>> = { service: new Set(), view: new Set(), write: new Set() };

  constructor(scopes: readonly Scope[]) {
    this.admin = scopes.some((s) => s.kind === 'admin');
    for (const s of scopes) if (s.kind !== 'admin') this.names[s.kind].add(s.name);
  }

  /** Any read scope at all: without one, a read route is refused before its body is even read. */
  canReadSomething(): boolean {
    return this.admin || this.names.service.size > 0 || this.names.view.size > 0;
  }

  canWriteSomething(): boolean {
    return this.admin || this.names.write.size > 0;
  }

  canRead(repo: Repo, view: string): boolean {
    if (this.admin || this.names.view.has('*') || this.names.view.has(view)) return true;
    for (const service of this.names.service) {
      if (service === '*' ? anyServiceUses(repo, view) : serviceViews(repo, service).has(view)) return true;
    }
    return false;
  }

  /** admin, service:* or service:NAME: the service may be requested by name. */
  coversService(service: string): boolean {
    return this.admin || this.names.service.has('*') || this.names.service.has(service);
  }

  canWrite(view: string): boolean {
    return this.admin || this.names.write.has('*') || this.names.write.has(view);
  }
}

const SERVICE_VIEWS = new WeakMap<Repo, Map<string, ReadonlySet<string>>>();

/**
 * The views a service reads: those it lists and, for its on-demand views, the views they compute from. A scope
 * naming a service the repo does not have grants nothing (the token file is checked without the repo).
 */
export function serviceViews(repo: Repo, service: string): ReadonlySet<string> {
  let byService = SERVICE_VIEWS.get(repo);
  if (!byService) SERVICE_VIEWS.set(repo, (byService = new Map()));
  let views = byService.get(service);
  if (!views) {
    const found = repo.featureServices.find((s) => s.name === service);
    const set = new Set<string>();
    for (const view of Object.keys(found?.features ?? {})) {
      set.add(view);
      for (const source of findOnDemandView(repo, view)?.sources ?? []) set.add(source.view);
    }
    views = set;
    byService.set(service, views);
  }
  return views;
}

function anyServiceUses(repo: Repo, view: string): boolean {
  return repo.featureServices.some((s) => serviceViews(repo, s.name).has(view));
}
