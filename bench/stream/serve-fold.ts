/**
 * The CPU one stream-view read spends in JS after Redis answered, IN PROCESS and without Redis in the loop: the
 * bench card's tile text (hour-tiles.ts: 61 tiles x count, sum, avg, count_distinct, max; read once with
 * stream-view-texts.lua) scanned and folded over 5 windows (windowValuesOf), as stream-read.ts does per entity.
 * Microseconds per read, median of `--batches` batches of `--reads` reads; for comparing fold changes quickly (the
 * HTTP figure is bench/stream/serve-http.ts's).
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/serve-fold.ts [--reads 20000] [--batches 9]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { defineScripts, streamViewTexts } from '../../src/online/scripts.js';
import { streamStateKey } from '../../src/online/keys.js';
import { selectAll, windowSpan, windowValuesOf } from '../../src/online/tile-window.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { PROJECT, tileKey, VIEW } from './card-view.js';
import { fillHourOfTiles, SERVE_SPEC as SPEC } from './hour-tiles.js';
import { arg, median } from './measure.js';

const READS = arg('reads', 20_000);
const BATCHES = arg('batches', 9);
const ALL = selectAll(SPEC);

const redis = new Redis(redisUrl());
defineScripts(redis);
const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
try {
  const now = Date.now() * 1000;
  await fillHourOfTiles(redis, prefix, now, 1);
  const [, , text] = await streamViewTexts(redis, streamStateKey(prefix, PROJECT, VIEW), [tileKey(prefix, 0)]);
  const span = windowSpan(SPEC, ALL, now);
  let sink = 0;
  const perRead: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const start = performance.now();
    for (let i = 0; i < READS; i++) sink += windowValuesOf(text as string, SPEC, ALL, span).length;
    perRead.push(((performance.now() - start) * 1000) / READS);
  }
  console.log(`tile text ${(text as string).length} chars; fold of 5 features x 5 windows: ${median(perRead).toFixed(2)} us per read (median of ${BATCHES} x ${READS}; ${perRead.map((us) => us.toFixed(2)).join(' ')})${sink < 0 ? '' : ''}`);
} finally {
  await cleanupPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
