/**
 * Redis Cluster refuses a multi-key command (MGET, a script) whose keys span slots, so in cluster mode keys are
 * grouped by slot first. Standalone Redis takes any keys in one command.
 */
import { keySlot } from './keys.js';
import type { RedisClient } from './connection.js';

/** Items grouped by the slot of their key, groups in first-seen order, items in input order. */
export function groupBySlot<T>(items: readonly T[], keyOf: (item: T) => string): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(keyOf(item));
    const group = groups.get(slot);
    if (group) group.push(item);
    else groups.set(slot, [item]);
  }
  return groups;
}

/**
 * GET of many keys in one round trip, values in key order: one MGET standalone; in a cluster one MGET per slot,
 * all issued in the same tick so auto-pipelining sends them together, one batch per node.
 */
export async function mgetAll(client: RedisClient, keys: readonly string[], cluster: boolean): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!cluster) return client.mget(keys as string[]);
  const groups = groupBySlot(
    keys.map((key, index) => ({ key, index })),
    (k) => k.key,
  );
  const out = new Array<string | null>(keys.length).fill(null);
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const values = await client.mget(group.map((g) => g.key));
      group.forEach((g, i) => (out[g.index] = values[i] ?? null));
    }),
  );
  return out;
}
