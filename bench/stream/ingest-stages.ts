/**
 * Where the ingest loop's time goes per event, stage by stage and without NATS: the bench's card transactions
 * (bench/stream/card-view.ts, over 50 minutes as bench:stream publishes them) in batches of `--batch`, each parsed
 * (parseEvents), folded by the production TilePartials (the JavaScript fold, DuckDB when it cannot) and written by the production RedisTileSink (its tile-state
 * cache, the merge, stream-apply.lua; stream-read-tiles.lua only for what the cache cannot tell, or for every batch
 * with `--cache 0`), one after the other (no overlap), under a fresh key prefix deleted afterwards. Prints
 * microseconds per event of each stage (wall, and this process's CPU where another thread works too), Redis' CPU and
 * EVALSHA time, and the EVALSHA calls per batch (2 when every batch reads, 1 when none does).
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/ingest-stages.ts [--events 200000] [--batch 5000] [--cards 50000] [--cache 1]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { retainedTiles } from '../../src/registry/stream-tiles.js';
import { parseEvents } from '../../src/stream/events.js';
import { RedisTileSink } from '../../src/stream/redis-tile-sink.js';
import { TilePartials } from '../../src/stream/tile-partials.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { cardEvent, KINDS, SPEC, WINDOWS_S, PROJECT, VIEW } from './card-view.js';
import { arg, diffCounters, redisCounters } from './measure.js';

const EVENTS = arg('events', 200_000);
const BATCH = arg('batch', 5000);
const CARDS = arg('cards', 50_000);
const CACHE = arg('cache', 1) !== 0;
const enc = new TextEncoder();
const startMs = Date.now() - 50 * 60_000;
const stepMs = (50 * 60_000) / 1_000_000;
const msgs = Array.from({ length: EVENTS }, (_, i) => ({ partition: '0', position: String(i + 1), data: enc.encode(JSON.stringify(cardEvent(i, CARDS, startMs + i * stepMs))) }));
const redis = new Redis(redisUrl());
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
const retainTiles = retainedTiles([...WINDOWS_S], 60, 60);
const rules = { joinKeys: ['card_id'], timestampField: 'ts', allowedLatenessMicros: 60e6 };
const partials = await TilePartials.open(conn, { ...SPEC, keyTypes: ['int64'], rules }, SPEC.columns);
const sink = new RedisTileSink(redis, { prefix, project: PROJECT, view: VIEW }, { kinds: KINDS, retainTiles, tileMs: 60_000, tileMicros: 60e6, rules }, { cache: CACHE });
const t = { parse: 0, agg: 0, aggCpu: 0, apply: 0, applyCpu: 0 };
let rowsN = 0;
let expected = (await sink.readState())?.positions;
let watermarkMicros = 0;
const before = await redisCounters(redis);
const cpu0 = process.cpuUsage();
const w0 = performance.now();
for (let b = 0; b < EVENTS; b += BATCH) {
  let s = performance.now();
  const parsed = parseEvents(msgs.slice(b, b + BATCH), rules, { watermarkMicros, nowMs: Date.now() });
  t.parse += performance.now() - s;
  s = performance.now();
  let c = process.cpuUsage();
  const { rows } = await partials.aggregate(parsed.events);
  t.agg += performance.now() - s;
  c = process.cpuUsage(c);
  t.aggCpu += (c.user + c.system) / 1000;
  rowsN += rows.length;
  s = performance.now();
  c = process.cpuUsage();
  watermarkMicros = Math.max(watermarkMicros, parsed.maxMicros ?? 0);
  const next = { positions: { '0': String(b + BATCH) }, watermarkMicros, events: parsed.events.length, late: parsed.late, invalid: 0, updatedAtMs: Date.now(), pending: 0 };
  const r = await sink.apply({ expected, next, rows });
  if (r !== 'applied') throw new Error('stale');
  expected = next.positions;
  t.apply += performance.now() - s;
  c = process.cpuUsage(c);
  t.applyCpu += (c.user + c.system) / 1000;
}
const wall = performance.now() - w0;
const cpu = process.cpuUsage(cpu0);
const red = diffCounters(before, await redisCounters(redis));
const per = (ms: number): string => ((ms * 1000) / EVENTS).toFixed(2);
console.log(`cache ${CACHE ? 'on' : 'off'} evalsha/batch ${(red.evalshaCalls / (EVENTS / BATCH)).toFixed(2)}`);
console.log(`events ${EVENTS} batch ${BATCH} rows/batch ${(rowsN / (EVENTS / BATCH)).toFixed(0)} wall ${per(wall)} us/ev = ${Math.round((EVENTS / wall) * 1000)}/s; node cpu ${per((cpu.user + cpu.system) / 1000)} us/ev`);
console.log(`parse ${per(t.parse)}  partials with keys wall ${per(t.agg)} (process cpu ${per(t.aggCpu)})  apply wall ${per(t.apply)} (node cpu ${per(t.applyCpu)})  redis cpu ${per(red.cpuSeconds * 1000)} evalsha ${per(red.evalshaMicros / 1000)} us/ev`);
await cleanupPrefix(redis, `${prefix}:`);
partials.close();
conn.closeSync();
instance.closeSync();
redis.disconnect();
