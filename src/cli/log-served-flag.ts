/**
 * `serve --log-served SERVICE[:RATE]` (repeatable): which feature services' served values are logged for
 * `featureflow skew`, and the share of their requests that is. A flag rather than a registry field: logging is a
 * property of one deployment (a canary logs everything, the fleet 1%), not of the service's definition.
 */
import type { ServedLogTarget } from '../api/served-log.js';
import { UsageError } from './args.js';

export const LOG_SERVED_HELP = `      --log-served S[:R] log the values served for feature service S, for a share R of its requests
                         (0 < R <= 1, default 1), under <offlineStore.path>/_served/S/ for
                         \`featureflow skew\`; repeatable`;

export function logServedTargets(specs: readonly string[] | undefined): ServedLogTarget[] {
  const targets: ServedLogTarget[] = [];
  for (const spec of specs ?? []) {
    const colon = spec.lastIndexOf(':');
    const service = colon < 0 ? spec : spec.slice(0, colon);
    const rateText = colon < 0 ? '1' : spec.slice(colon + 1);
    const rate = Number(rateText);
    if (service === '' || !/^\d*\.?\d+(e-?\d+)?$/i.test(rateText) || !(rate > 0 && rate <= 1)) {
      throw new UsageError(`--log-served: expected SERVICE or SERVICE:RATE with 0 < RATE <= 1, got ${JSON.stringify(spec)}`);
    }
    if (targets.some((t) => t.service === service)) throw new UsageError(`--log-served: service "${service}" is named twice`);
    targets.push({ service, rate });
  }
  return targets;
}
