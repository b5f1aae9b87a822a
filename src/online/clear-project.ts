/**
 * Deleting every key of one project (rows, feature lists, watermarks, freshness and alert records): what a fresh
 * start of a demo or a test environment needs, since watermarks left by an earlier run would make the next
 * incremental materialization skip the range as already done. SCAN (never KEYS) on every master, UNLINK so Redis
 * frees the memory off its main thread.
 */
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './connection.js';
import { projectKeysPattern } from './keys.js';

async function clearNode(node: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await node.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function clearProject(client: RedisClient, prefix: string, project: string): Promise<number> {
  const pattern = projectKeysPattern(prefix, project);
  if ('nodes' in client && typeof (client as Cluster).nodes === 'function' && (client as Cluster).isCluster) {
    let deleted = 0;
    for (const node of (client as Cluster).nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) deleted += await node.unlink(key);
      } while (cursor !== '0');
    }
    return deleted;
  }
  return clearNode(client as Redis, pattern);
}
