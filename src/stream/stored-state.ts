/**
 * A stream view's ingestion state as stored with its tiles in Redis (stream-tiles.ts readStreamState), read on a
 * connection of its own: what `featureflow stream status` shows beside the workflow. Never throws: Redis being
 * down is part of the status, not a reason to hide the workflow's.
 */
import { readStreamState, type StoredStreamState } from '../online/stream-tiles.js';
import type { Repo } from '../registry/schema.js';
import { connectStreamRedis } from './redis-connection.js';

export type { StoredStreamState };

/** `state` null: no batch was ever written for the view; `error`: Redis could not be read (the message says why). */
export type StoredStateReading = { state: StoredStreamState | null } | { error: string };

export async function readStoredStreamState(
  repo: Pick<Repo, 'project' | 'onlineStore'>,
  view: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StoredStateReading> {
  try {
    const { redis } = await connectStreamRedis(repo.onlineStore, env);
    try {
      const state = await readStreamState(redis, { prefix: repo.onlineStore.keyPrefix, project: repo.project, view });
      return { state: state ?? null };
    } finally {
      redis.disconnect();
    }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
