/**
 * Which Redis server process a materialization's rows went to. A Redis that restarted has lost acknowledged writes
 * (all of them without persistence; with it, those after the last snapshot), yet our connections reconnect by
 * themselves: a run whose Redis restarted between two of its batches completes as if nothing had happened, and its
 * watermark would then vouch for rows that are gone; incremental runs would skip them
 * (test/faults/redis-kill.test.ts). Redis' run_id is new at every start, so the store compares it before the run's
 * first write and again just before recording the watermark, and refuses the watermark when it changed.
 */
import type { RedisClient } from './connection.js';
import { OnlineStoreUnavailableError } from './errors.js';

/** The server's run_id; undefined when Redis will not say (INFO renamed or denied by ACL): then nothing is checked. */
export async function serverRunId(client: RedisClient): Promise<string | undefined> {
  let info: string;
  try {
    info = await client.info('server');
  } catch (err) {
    if (err instanceof Error && err.name === 'ReplyError') return undefined;
    throw err;
  }
  return /^run_id:([0-9a-f]+)\r?$/m.exec(info)?.[1];
}

/** Throws when the server is another process than the one the run began writing to. */
export function checkSameServerRun(view: string, before: string | undefined, now: string | undefined): void {
  if (before === undefined || now === undefined || before === now) return;
  throw new OnlineStoreUnavailableError(
    `online store unavailable: Redis restarted while "${view}" was being materialized (server run ${before.slice(0, 8)}... is now ` +
      `${now.slice(0, 8)}...); rows written before the restart may be lost, so the watermark is not recorded: run it again`,
  );
}
