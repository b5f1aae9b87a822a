// The API test repo with freshness SLAs: user_stats must be at most 1h old, merchant_stats declares none,
// archive is offline.
import type { RepoInput } from '../../../src/registry/schema.js';
import { apiRepoInput } from '../../helpers/api-repo.js';

export function freshnessRepoInput(): RepoInput {
  const input = apiRepoInput();
  return {
    ...input,
    featureViews: (input.featureViews ?? []).map((v) => (v.name === 'user_stats' ? { ...v, freshness: { maxStaleness: '1h' } } : v)),
  };
}
