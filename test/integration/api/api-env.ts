// Shared by the API integration tests: a server on an ephemeral port over the real Redis online store, under a
// fresh key prefix that is deleted afterwards.
import { Redis } from 'ioredis';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { silentLogger } from '../../../src/api/logger.js';
import type { ServerLimits } from '../../../src/api/context.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import type { ViewLayout } from '../../../src/online/types.js';
import type { Repo } from '../../../src/registry/schema.js';
import { apiRepo } from '../../helpers/api-repo.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

export interface ApiEnv {
  repo: Repo;
  store: RedisOnlineStore;
  api: ApiServer;
  url: string;
  /** Writes one row of `view` (values in the view's feature order), optionally under a different layout. */
  put(view: string, keyValues: unknown[], values: unknown[], eventTime: Date, layout?: Partial<ViewLayout>): Promise<void>;
  teardown(): Promise<void>;
}

export async function startApiEnv(
  options: { url?: string; limits?: Partial<ServerLimits>; lazy?: boolean } = {},
): Promise<ApiEnv> {
  const url = options.url ?? redisUrl();
  // The key prefix must not end with ':' for the store; cleanup matches it with the separator the keys use.
  const keyPrefix = freshPrefix().replace(/:$/, '');
  const repo = apiRepo({ url, keyPrefix });
  const store = await connectOnlineStore({ url, keyPrefix, lazy: options.lazy ?? false });
  const api = createServer({ repo, store, logger: silentLogger, ...(options.limits ? { limits: options.limits } : {}) });
  const { url: base } = await api.listen(0);
  return {
    repo,
    store,
    api,
    url: base,
    async put(view, keyValues, values, eventTime, override = {}) {
      const layout = { ...viewLayout(repo, view), ...override };
      const schemaId = await store.registerLayout(layout);
      await store.writeRows(layout, schemaId, [encodeRow(layout, keyValues, eventTime, null, values)]);
    },
    async teardown() {
      await api.close();
      await store.close();
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await cleanupPrefix(redis, `${keyPrefix}:`);
      } finally {
        redis.disconnect();
      }
    },
  };
}
