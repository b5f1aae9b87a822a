/**
 * The read check on what a request names, made before planning: the planner's 404s list the repo's views and
 * services, which a token scoped to one service should not learn by asking for a name it may not read.
 * The views found while planning (on-demand views' sources among them) are checked after it (guard.requireRead).
 */
import type { IncomingMessage } from 'node:http';
import { SERVICE_PREFIX } from '../../registry/features.js';
import type { Repo } from '../../registry/schema.js';
import type { OnlineFeaturesRequest } from '../online-request.js';
import { ForbiddenError } from './errors.js';
import { principalOf } from './guard.js';
import { serviceViews } from './scopes.js';

export function requireRequested(req: IncomingMessage, repo: Repo, request: OnlineFeaturesRequest): void {
  const principal = principalOf(req);
  if (!principal) return;
  const { scopes } = principal;
  const services = new Set<string>();
  const views = new Set<string>();
  if (request.feature_service !== undefined) services.add(request.feature_service);
  for (const ref of request.features ?? []) {
    const parts = ref.split(':');
    // Malformed references are the planner's to refuse; its message names nothing from the repo.
    if (parts.length !== 2) continue;
    const [left, right] = parts as [string, string];
    if (left === SERVICE_PREFIX && !repo.featureViews.some((v) => v.name === SERVICE_PREFIX)) services.add(right);
    else views.add(left);
  }
  const missing: string[] = [];
  for (const s of services) {
    const known = repo.featureServices.some((fs) => fs.name === s);
    const covered = scopes.coversService(s) || (known && [...serviceViews(repo, s)].every((v) => scopes.canRead(repo, v)));
    if (!covered) missing.push(`service:${s}`);
  }
  for (const v of views) if (!scopes.canRead(repo, v)) missing.push(`view:${v}`);
  if (missing.length > 0) throw new ForbiddenError(`this token may not read ${missing.join(', ')} (missing scope${missing.length === 1 ? '' : 's'})`);
}
