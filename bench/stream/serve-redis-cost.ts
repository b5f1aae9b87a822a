/**
 * Redis' own time per stream-view read (INFO commandstats usec per call) for the ways of fetching the bench card's
 * state and tiles: stream-view-texts.lua (one EVALSHA), HMGET + stream-tiles-text.lua (the state beside the tile
 * script, as reads were sent before), HGETALL + HMGET (two commands, 122 bulk strings). The
 * Redis is shared: run under the bench lock so other clients' calls do not count.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/serve-redis-cost.ts [--calls 20000]
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { streamStateKey } from '../../src/online/keys.js';
import { defineScripts, streamTilesJoined, streamViewTexts } from '../../src/online/scripts.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { PROJECT, tileKey, VIEW } from './card-view.js';
import { fillHourOfTiles } from './hour-tiles.js';
import { arg } from './measure.js';

const CALLS = arg('calls', 20_000);

async function stats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

async function measure(redis: Redis, label: string, call: () => Promise<unknown>): Promise<void> {
  const before = await stats(redis);
  const cpuBefore = Number(/used_cpu_user:([\d.]+)/.exec(await redis.info('cpu'))?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(await redis.info('cpu'))?.[1]);
  for (let i = 0; i < CALLS; i++) await call();
  const after = await stats(redis);
  const cpuAfter = Number(/used_cpu_user:([\d.]+)/.exec(await redis.info('cpu'))?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(await redis.info('cpu'))?.[1]);
  const parts = [...after].flatMap(([name, a]) => {
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    const calls = a.calls - b.calls;
    return calls >= CALLS ? [`${name} ${((a.usec - b.usec) / calls).toFixed(1)} us/call`] : [];
  });
  console.log(`${label}: ${parts.join(', ')}; Redis CPU (user+sys, all its work) ${(((cpuAfter - cpuBefore) * 1e6) / CALLS).toFixed(1)} us per read`);
}

const redis = new Redis(redisUrl());
defineScripts(redis);
const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
try {
  await fillHourOfTiles(redis, prefix, Date.now() * 1000, 1);
  const state = streamStateKey(prefix, PROJECT, VIEW);
  const tiles = tileKey(prefix, 0);
  for (let round = 0; round < 2; round++) {
    await measure(redis, 'stream-view-texts.lua', () => streamViewTexts(redis, state, [tiles]));
    await measure(redis, 'HMGET + stream-tiles-text.lua', () => Promise.all([redis.hmget(state, 'caughtUpAt', 'watermark'), streamTilesJoined(redis, tiles)]));
    await measure(redis, 'HMGET + HGETALL', () => Promise.all([redis.hmget(state, 'caughtUpAt', 'watermark'), redis.hgetall(tiles)]));
  }
} finally {
  await cleanupPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
