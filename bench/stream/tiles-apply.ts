/**
 * One stream-apply.lua call per batch: the time to write a micro-batch's tile states into Redis, for batches of
 * `--rows` (entity, tile) rows x 5 features (count, sum, avg, count_distinct of 3 values, last), over `--entities`
 * entities whose tiles already hold states (so every field is a merge after the first rounds). Median of
 * `--batches`, under a fresh key prefix deleted afterwards.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/tiles-apply.ts [--rows 5000] [--batches 20] [--entities 2000]
 *
 * STALE=1 sends every batch after positions never stored: the script compares and returns at once, which measures
 * the client side and the argument handling alone. Redis' own time per call: `redis-cli info commandstats`
 * (cmdstat_evalsha) before and after.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { applyTileBatch, type TileRow } from '../../src/online/stream-tiles.js';
import type { TileKind } from '../../src/online/tile-codec.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 5000);
const BATCHES = arg('batches', 20);
const ENTITIES = arg('entities', 2000);
const TILE0 = 29_453_760;
const KINDS: TileKind[] = ['count', 'sum', 'avg', 'count_distinct', 'last'];

function rows(b: number): TileRow[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const states: Array<readonly [number, TileKind, string]> = [
      [0, 'count', String(1 + (i % 4))],
      [1, 'sum', `3,${(i * 1.37).toFixed(2)}`],
      [2, 'avg', `2,${(i * 0.5).toFixed(1)}`],
      [3, 'count_distinct', ['"m1"', `"m${i % 50}"`, `"m${b}"`].join('\x1f')],
      [4, 'last', `${(TILE0 + b) * 60_000_000 + i}|${i * 0.25}`],
    ];
    return { entityKey: `i${(i * 7919 + b) % ENTITIES}`, tile: TILE0 + Math.floor(b / 2) + (i % 3), states };
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `ffbench:${randomBytes(6).toString('hex')}`;
  const times: number[] = [];
  let positions: Record<string, string> | undefined;
  try {
    console.log(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${ROWS} rows x 5 features per batch, ${ENTITIES} entities`);
    for (let b = 0; b < BATCHES + 3; b++) {
      const batch = rows(b);
      const next = { positions: { '0': String(b) }, watermarkMicros: (TILE0 + b) * 60_000_000, events: ROWS, late: 0, invalid: 0, updatedAtMs: Date.now(), pending: 0 };
      const start = performance.now();
      const result = await applyTileBatch(redis, { prefix, project: "bench", view: "tx", expected: process.env.STALE ? { x: "1" } : positions, next, rows: batch, retainTiles: 62, tileMs: 60_000, kinds: KINDS });
      if (result !== 'applied' && !process.env.STALE) throw new Error(`batch ${b} was ${result}`);
      if (b >= 3) times.push(performance.now() - start);
      positions = next.positions;
    }
    const ms = median(times);
    console.log(`median ${ms.toFixed(1)} ms per batch (${Math.round((ROWS / ms) * 1000).toLocaleString('en')} (entity, tile) rows/s)`);
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

await main();
