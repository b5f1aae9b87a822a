/**
 * Serving a 5-window stream view at a fixed rate, IN PROCESS (issue 14 target: p99 < 2 ms at 1k req/s over HTTP).
 * This measures the read path the online reads of stream views take -- the entity's tile hash as one text
 * (streamTilesJoined: stream-tiles-text.lua), scanned in place and folded in one pass, 5 features x 5 windows
 * (windowValuesOf), as stream-read.ts does -- without node:http; the HTTP figure is bench/stream/serve-http.ts's
 * (npm run bench:stream:serve).
 *
 * The view: count, sum, avg, count_distinct, max over 5m, 10m, 15m, 30m and 1h with 1-minute tiles; `--entities`
 * cards each holding a tile for every minute of the last hour (hour-tiles.ts: 61 tiles of 5 features each, the
 * busiest a card gets), written with applyTileBatch. Requests are sent on a fixed schedule (`--rate`/s for `--seconds`) and
 * timed from their scheduled start, so a stall delays the ones behind it (no coordinated omission). Median of `--runs`.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/serve-window.ts [--rate 1000] [--seconds 10] [--runs 5]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { defineScripts, streamTilesJoined } from '../../src/online/scripts.js';
import { readStreamTiles } from '../../src/online/stream-tiles.js';
import { selectAll, windowSpan, windowValuesOf } from '../../src/online/tile-window.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { tileKey } from './card-view.js';
import { fillHourOfTiles, SERVE_SPEC as SPEC } from './hour-tiles.js';
import { arg, load, median, percentile } from './measure.js';

const RATE = arg('rate', 1000);
const SECONDS = arg('seconds', 10);
const RUNS = arg('runs', 5);
const ENTITIES = arg('entities', 1000);

interface RunFigures {
  p50: number;
  p99: number;
  max: number;
  /** p99 from the moment the read was sent (leaves out how late this process's timer fired). */
  sentP99: number;
}

async function oneRun(redis: Redis, keys: string[], run: number): Promise<RunFigures> {
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  const fromSend: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    // setImmediate-polled when close: a 1 ms timer can fire several ms late on a busy machine.
    if (wait > 2) await new Promise((r) => setTimeout(r, wait - 1));
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
    const key = keys[(i * 7919) % keys.length] as string;
    inFlight.push(
      (async () => {
        const sent = performance.now();
        const text = await streamTilesJoined(redis, key);
        const span = windowSpan(SPEC, ALL, Date.now() * 1000);
        windowValuesOf(text, SPEC, ALL, span);
        const done = performance.now();
        latencies.push(done - due);
        fromSend.push(done - sent);
      })(),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  fromSend.sort((a, b) => a - b);
  const result = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] as number, sentP99: percentile(fromSend, 99) };
  console.log(
    `run ${run}: ${total} reads at ${RATE}/s: from schedule p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms, max ${result.max.toFixed(1)} ms; ` +
      `from send p50 ${percentile(fromSend, 50).toFixed(3)} ms, p99 ${result.sentP99.toFixed(3)} ms; load ${load()}`,
  );
  return result;
}

const ALL = selectAll(SPEC);
const redis = new Redis(redisUrl(), { enableAutoPipelining: true });
defineScripts(redis);
const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
try {
  await fillHourOfTiles(redis, prefix, Date.now() * 1000, ENTITIES);
  const keys = Array.from({ length: ENTITIES }, (_, card) => tileKey(prefix, card));
  const fields = Object.keys((await readStreamTiles(redis, [keys[0] as string]))[0] ?? {}).length;
  console.log(`in-process stream view read (stream-tiles-text.lua + fold, 5 features x 5 windows, ${fields} fields per card, ${ENTITIES} cards) at ${RATE}/s; load ${load()}`);
  const results = [];
  for (let run = 1; run <= RUNS; run++) results.push(await oneRun(redis, keys, run));
  console.log(
    `\nmedian of ${RUNS}: p50 ${median(results.map((r) => r.p50)).toFixed(3)} ms, p99 ${median(results.map((r) => r.p99)).toFixed(3)} ms, ` +
      `max ${median(results.map((r) => r.max)).toFixed(1)} ms; from send p99 ${median(results.map((r) => r.sentP99)).toFixed(3)} ms; load ${load()}`,
  );
} finally {
  await cleanupPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
