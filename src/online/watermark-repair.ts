/**
 * Reading and overwriting watermarks as they are stored, for `featureflow watermarks`: the repair for a view frozen
 * by a bad END. Materialization only ever moves a watermark forward (lua/advance-watermark.lua); this is the one
 * explicit way back. It tolerates what the pipelines refuse (a value that is not a watermark), since a damaged
 * watermark is one more thing to repair. Not on the OnlineStore interface: no pipeline may call it.
 */
import type { RedisClient } from './connection.js';
import { OnlineStoreError } from './errors.js';
import { watermarksKey } from './keys.js';
import type { Watermark } from './types.js';
import { formatWatermark, parseWatermark } from './watermark.js';

/** A stored watermark, or the text of one that cannot be read (shown so it can be reset). */
export type StoredWatermark = { watermark: Watermark } | { unreadable: string; problem: string };

export class WatermarkRepair {
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
    /** The store's mapping of a Redis error to ours (unavailable vs other), naming what was being done. */
    private readonly fail: (err: unknown, doing: string) => Error,
  ) {}

  /** Every stored watermark of a project, readable or not, by view name. */
  async list(project: string): Promise<Map<string, StoredWatermark>> {
    let all: Record<string, string>;
    try {
      all = await this.client.hgetall(watermarksKey(this.keyPrefix, project));
    } catch (err) {
      throw this.fail(err, 'reading the watermarks');
    }
    return new Map(Object.entries(all).map(([view, text]) => [view, readStored(view, text)]));
  }

  /**
   * Overwrites the watermark of `view` with what `next` makes of the stored one (undefined deletes it) and returns
   * what was stored before. The write is a compare-and-set against the value `next` saw, retried when a run changed
   * it in between, so a concurrent run's update is never lost under a value computed from an older one.
   */
  async replace(
    project: string,
    view: string,
    next: (stored: StoredWatermark | undefined) => Watermark | undefined,
  ): Promise<StoredWatermark | undefined> {
    const key = watermarksKey(this.keyPrefix, project);
    const doing = `resetting the watermark of "${view}"`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let old: string | null;
      try {
        old = await this.client.hget(key, view);
      } catch (err) {
        throw this.fail(err, doing);
      }
      const stored = old === null ? undefined : readStored(view, old);
      const wanted = next(stored);
      const text = wanted === undefined ? '' : formatWatermark(view, wanted);
      let swapped: unknown;
      try {
        swapped = await this.client.eval(REPLACE_LUA, 1, key, view, old === null ? '0' : '1', old ?? '', text);
      } catch (err) {
        throw this.fail(err, doing);
      }
      if (swapped === 1) return stored;
    }
    throw new OnlineStoreError(`online store: ${doing} failed: it changed ${MAX_ATTEMPTS} times while being reset; try again`);
  }
}

const MAX_ATTEMPTS = 5;

// KEYS[1] the watermarks hash; ARGV: the view, "1" when a value was read (then ARGV[3] is it), the new value or ""
// to delete. Returns 1 when written, 0 when the stored value is no longer the one read.
const REPLACE_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (ARGV[2] == '1') ~= (cur ~= false) or (cur and cur ~= ARGV[3]) then return 0 end
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) end
return 1`;

function readStored(view: string, text: string): StoredWatermark {
  try {
    return { watermark: parseWatermark(view, text) };
  } catch (err) {
    return { unreadable: text, problem: (err as Error).message };
  }
}
