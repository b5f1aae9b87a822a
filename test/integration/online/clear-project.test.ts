/** clearProject deletes one project's keys (rows, feature lists, watermarks) and nothing else under the prefix. */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { connectOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import type { ViewLayout } from '../../../src/online/types.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

const prefix = freshPrefix().replace(/:$/, '');
const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });

afterAll(async () => {
  await cleanupPrefix(redis, `${prefix}:`);
  redis.disconnect();
});

function layout(project: string): ViewLayout {
  return { project, view: 'v', features: ['x'], dtypes: ['int64'], joinKeys: ['id'], keyTypes: ['int64'], ttlSeconds: 0 };
}

describe('clearProject', () => {
  it("deletes every key of one project and leaves the other projects' keys alone", async () => {
    const store = await connectOnlineStore({ url: redisUrl(), keyPrefix: prefix });
    try {
      for (const project of ['demo', 'demo_two']) {
        const l = layout(project);
        const schemaId = await store.registerLayout(l);
        await store.writeRows(l, schemaId, [1, 2, 3].map((id) => encodeRow(l, [id], new Date('2024-01-01T00:00:00Z'), null, [id])));
        await store.advanceWatermark(project, 'v', { mode: 'record', end: '2024-01-02T00:00:00.000Z', newestEvent: '2024-01-01T00:00:00.000Z', at: '2024-01-02T00:00:01.000Z' });
      }
      const before = await redis.keys(`${prefix}:demo:*`);
      expect(before.length).toBe(5); // 3 rows, 1 feature list, 1 watermarks hash
      expect(await store.clearProject('demo')).toBe(5);
      expect(await redis.keys(`${prefix}:demo:*`)).toEqual([]);
      expect((await redis.keys(`${prefix}:demo_two:*`)).length).toBe(5);
    } finally {
      await store.close();
    }
  });
});
