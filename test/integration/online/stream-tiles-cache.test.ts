// The consumer's tile-state cache against the real Redis, under this file's own key prefix: batches written with a
// cache leave exactly what the same batches leave without one; a second run started on stored tiles reads what it
// must and no more; a stale write clears the cache and writes nothing; pruning still bounds a hash. Reads are
// counted by wrapping the client's EVALSHA (the read script's SHA).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStateKey, streamTilesKey } from '../../../src/online/keys.js';
import { applyTileBatch, type StreamStateUpdate, type TileBatch, type TileRow } from '../../../src/online/stream-tiles.js';
import { encodeTileState, type TileKind, type TileState } from '../../../src/online/tile-codec.js';
import { TileStateCache } from '../../../src/online/tile-state-cache.js';
import { RedisTileSink } from '../../../src/stream/redis-tile-sink.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { rng } from '../../helpers/prng.js';

const prefix = `${freshPrefix()}ff`;
const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
const T = 60_000_000;
const LATENESS = 2 * T;
const RETAIN = 6;
const KINDS: TileKind[] = ['count', 'sum', 'count_distinct', 'max', 'last', 'stddev'];
const READ_SHA = createHash('sha1').update(readFileSync(new URL('../../../src/online/lua/stream-read-tiles.lua', import.meta.url))).digest('hex');

const reads = { calls: 0, keys: 0 };
const evalsha = redis.evalsha.bind(redis) as (...args: unknown[]) => Promise<unknown>;
(redis as unknown as { evalsha: (...args: unknown[]) => Promise<unknown> }).evalsha = (...args: unknown[]) => {
  if (args[0] === READ_SHA) {
    reads.calls++;
    reads.keys += Number(args[1]) - 1;
  }
  return evalsha(...args);
};

interface Step {
  rows: TileRow[];
  next: StreamStateUpdate;
}

function state(kind: TileKind, rand: () => number): TileState {
  const n = 1 + Math.floor(rand() * 5);
  switch (kind) {
    case 'count':
      return { kind, n };
    case 'sum':
    case 'avg':
      return { kind, n, s: Math.round((rand() - 0.5) * 1e4) / 100 };
    case 'count_distinct':
      return { kind, values: [...new Set(Array.from({ length: n }, () => JSON.stringify(`m${Math.floor(rand() * 12)}`)))] };
    case 'max':
    case 'min':
      return { kind, v: Math.round(rand() * 1e6) / 10 };
    case 'last':
      return { kind, e: Math.floor(rand() * 1e6), v: JSON.stringify(Math.floor(rand() * 100)) };
    case 'stddev':
      return { kind, n, mean: rand() * 10, m2: rand() * 3 };
  }
}

/**
 * Batches as the ingest loop makes them: events no older than the watermark at the batch's start minus the lateness
 * (older ones are dropped as late), one row per (entity, tile) with a random subset of the features, the watermark
 * the greatest event time so far (never below 0, where the loop starts).
 */
function steps(seed: number, batches: number, options: { entities?: number; startMicros?: number; advance?: number } = {}): Step[] {
  const rand = rng(seed);
  const entities = options.entities ?? 40;
  const advance = options.advance ?? T / 2;
  let watermark = options.startMicros ?? 1000 * T;
  const out: Step[] = [];
  for (let b = 0; b < batches; b++) {
    const cells = new Map<string, TileRow>();
    let max = watermark;
    const events = 30 + Math.floor(rand() * 60);
    for (let e = 0; e < events; e++) {
      const micros = Math.max(0, watermark) - LATENESS + Math.floor(rand() * (LATENESS + advance));
      max = Math.max(max, micros);
      const entityKey = `e${Math.floor(rand() * entities)}`;
      const tile = Math.floor(micros / T);
      if (cells.has(`${entityKey}/${tile}`)) continue;
      const states = KINDS.flatMap((kind, f) => (rand() < 0.7 || f === 0 ? [[f, kind, encodeTileState(state(kind, rand))] as const] : []));
      cells.set(`${entityKey}/${tile}`, { entityKey, tile, states });
    }
    watermark = Math.max(0, max);
    out.push({ rows: [...cells.values()], next: { positions: { '0': String(b + 1) }, watermarkMicros: watermark, events, late: 1, invalid: 0, overflow: 0, updatedAtMs: 1000 + b, pending: 0 } });
  }
  return out;
}

const ref = (view: string) => ({ prefix, project: 'p', view });

function tileBatch(view: string, step: Step, expected: Record<string, string> | undefined): TileBatch {
  return { ...ref(view), expected, next: step.next, rows: step.rows, retainTiles: RETAIN, tileMs: T / 1000, kinds: KINDS };
}

async function writeAll(view: string, list: readonly Step[], cache?: TileStateCache, after?: Record<string, string>): Promise<void> {
  let expected = after;
  for (const step of list) {
    expect(await applyTileBatch(redis, tileBatch(view, step, expected), cache)).toBe('applied');
    expected = step.next.positions;
  }
}

/** The view's state (times and counters) and every tile hash, as Redis holds them. */
async function contents(view: string, entities: number): Promise<unknown> {
  const tiles: Record<string, Record<string, string>> = {};
  for (let e = 0; e < entities; e++) tiles[`e${e}`] = await redis.hgetall(streamTilesKey(prefix, 'p', view, `e${e}`));
  return { state: await redis.hgetall(streamStateKey(prefix, 'p', view)), tiles };
}

function newCache(maxEntries?: number): TileStateCache {
  return new TileStateCache({ tileMicros: T, allowedLatenessMicros: LATENESS, expireMs: RETAIN * (T / 1000), ...(maxEntries ? { maxEntries } : {}) });
}

function sink(view: string): RedisTileSink {
  return new RedisTileSink(redis, ref(view), { kinds: KINDS, retainTiles: RETAIN, tileMs: T / 1000, tileMicros: T, rules: { allowedLatenessMicros: LATENESS } });
}

beforeAll(async () => {
  await redis.connect();
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

describe('applyTileBatch with a TileStateCache', () => {
  it('leaves exactly the Redis contents of the same batches written without a cache, reading nothing in steady state', async () => {
    for (const seed of [1, 2, 3]) {
      const list = steps(seed, 40);
      await writeAll(`plain${seed}`, list);
      const cache = newCache();
      cache.start('', 0);
      reads.calls = 0;
      await writeAll(`cached${seed}`, list, cache);
      // A fresh view: no stored watermark, and every tile above 0, so nothing is ever read.
      expect(reads.calls).toBe(0);
      expect(await contents(`cached${seed}`, 40)).toEqual(await contents(`plain${seed}`, 40));
    }
  });

  it('starts over past its cap, reading what it dropped, and still leaves the same contents', async () => {
    const list = steps(4, 30);
    await writeAll('cap-plain', list);
    const cache = newCache(40);
    cache.start('', 0);
    reads.calls = 0;
    await writeAll('cap', list, cache);
    expect(reads.calls).toBeGreaterThan(0);
    expect(cache.entries).toBeLessThanOrEqual(40);
    expect(await contents('cap', 40)).toEqual(await contents('cap-plain', 40));
  });

  it('starts a second run on stored tiles reading only the tiles at or below the stored watermark, with nothing counted twice', async () => {
    const list = steps(7, 30, { entities: 25, advance: T / 3 });
    await writeAll('twice-plain', list);
    const first = sink('twice');
    expect(await first.readState()).toBeUndefined();
    let expected: Record<string, string> | undefined;
    for (const step of list.slice(0, 15)) {
      expect(await first.apply({ expected, ...step })).toBe('applied');
      expected = step.next.positions;
    }
    const second = sink('twice');
    const stored = await second.readState();
    expect(stored?.positions).toEqual(expected);
    const floor = Math.floor((stored?.watermarkMicros ?? 0) / T);
    const perBatch: number[] = [];
    for (const step of list.slice(15)) {
      reads.keys = 0;
      const mustRead = new Set(step.rows.filter((r) => r.tile <= floor).map((r) => r.entityKey));
      expect(await second.apply({ expected, ...step })).toBe('applied');
      // At most the keys with a tile at or below the floor (fewer once this run wrote them).
      expect(reads.keys).toBeLessThanOrEqual(mustRead.size);
      perBatch.push(reads.keys);
      expected = step.next.positions;
    }
    expect(perBatch[0]).toBeGreaterThan(0);
    expect(perBatch.slice(-5)).toEqual([0, 0, 0, 0, 0]);
    expect(await contents('twice', 25)).toEqual(await contents('twice-plain', 25));
  });

  it('reads tile 0 and negative tiles on a restart where the stored watermark is 0', async () => {
    // Events before the epoch: the watermark stays 0 as the loop keeps it, every tile is negative.
    const list = steps(11, 12, { entities: 10, startMicros: 0, advance: 0 });
    expect(list.every((s) => s.rows.every((r) => r.tile < 0) && s.next.watermarkMicros === 0)).toBe(true);
    await writeAll('negative-plain', list);
    const first = sink('negative');
    await first.readState();
    await first.apply({ expected: undefined, ...(list[0] as Step) });
    const second = sink('negative');
    expect((await second.readState())?.watermarkMicros).toBe(0);
    let expected: Record<string, string> | undefined = list[0]?.next.positions;
    for (const step of list.slice(1)) {
      expect(await second.apply({ expected, ...step })).toBe('applied');
      expected = step.next.positions;
    }
    expect(await contents('negative', 10)).toEqual(await contents('negative-plain', 10));
  });

  it('clears itself on a stale write, which writes nothing, and reads everything again after', async () => {
    const list = steps(5, 14);
    await writeAll('stale-plain', list);
    const cache = newCache();
    cache.start('', 0);
    await writeAll('stale', list.slice(0, 2), cache);
    // Another consumer writes batch 3 behind this one's back.
    await writeAll('stale', list.slice(2, 3), undefined, list[1]?.next.positions);
    const before = await contents('stale', 40);
    expect(await applyTileBatch(redis, tileBatch('stale', list[3] as Step, list[1]?.next.positions), cache)).toBe('stale');
    expect(await contents('stale', 40)).toEqual(before);
    expect(cache.entries).toBe(0);
    expect(cache.knowsAt(JSON.stringify(list[1]?.next.positions))).toBe(false);
    const perBatch: number[] = [];
    let expected = list[2]?.next.positions;
    for (const step of list.slice(3)) {
      reads.keys = 0;
      const keys = new Set(step.rows.map((r) => r.entityKey)).size;
      expect(await applyTileBatch(redis, tileBatch('stale', step, expected), cache)).toBe('applied');
      perBatch.push(reads.keys === keys ? 1 : 0);
      expected = step.next.positions;
    }
    // The first batch after reads all its keys (and the stored watermark with them); the cache then takes over.
    expect(perBatch[0]).toBe(1);
    expect(cache.entries).toBeGreaterThan(0);
    expect(await contents('stale', 40)).toEqual(await contents('stale-plain', 40));
  });

  it('leaves the same contents when each batch is sent before the previous reply, as the ingest loop sends them', async () => {
    const list = steps(13, 30);
    await writeAll('ahead-plain', list);
    const cache = newCache();
    cache.start('', 0);
    let expected: Record<string, string> | undefined;
    let previous: Promise<'applied' | 'stale'> | undefined;
    for (const step of list) {
      const write = applyTileBatch(redis, tileBatch('ahead', step, expected), cache);
      if (previous) expect(await previous).toBe('applied');
      previous = write;
      expected = step.next.positions;
    }
    expect(await previous).toBe('applied');
    expect(await contents('ahead', 40)).toEqual(await contents('ahead-plain', 40));
  });

  it('writes nothing of a batch sent ahead of a write that turned out stale', async () => {
    const list = steps(14, 5);
    const cache = newCache();
    cache.start('', 0);
    await writeAll('ahead-stale', list.slice(0, 2), cache);
    // Another consumer writes batch 3 behind this one's back; this one then sends 3' and 4' back to back.
    await writeAll('ahead-stale', list.slice(2, 3), undefined, list[1]?.next.positions);
    const before = await contents('ahead-stale', 40);
    const third = applyTileBatch(redis, tileBatch('ahead-stale', list[3] as Step, list[1]?.next.positions), cache);
    const fourth = applyTileBatch(redis, tileBatch('ahead-stale', list[4] as Step, list[3]?.next.positions), cache);
    expect(await third).toBe('stale');
    expect(await fourth).toBe('stale');
    expect(await contents('ahead-stale', 40)).toEqual(before);
    expect(cache.entries).toBe(0);
  });

  it('clears itself when a write fails', async () => {
    const cache = newCache();
    cache.start('', 0);
    const [step] = steps(9, 1);
    await writeAll('fails', [step as Step], cache);
    expect(cache.entries).toBeGreaterThan(0);
    const wrong: TileRow = { entityKey: 'e1', tile: 2000, states: [[0, 'sum', '1,1']] };
    const bad = { ...(step as Step), rows: [wrong], next: { ...(step as Step).next, positions: { '0': '9' } } };
    await expect(applyTileBatch(redis, tileBatch('fails', bad, step?.next.positions), cache)).rejects.toThrow(/feature 0 is count/);
    expect(cache.entries).toBe(0);
    expect(cache.knowsAt(JSON.stringify(step?.next.positions))).toBe(false);
  });

  it('prunes a hash past its retained tiles as without a cache', async () => {
    const cache = newCache();
    cache.start('', 0);
    let positions: Record<string, string> | undefined;
    for (let tile = 0; tile < 12; tile++) {
      const step: Step = {
        rows: [{ entityKey: 'i1', tile: 1000 + tile, states: [[0, 'count', '1']] }],
        next: { positions: { '0': String(tile) }, watermarkMicros: (1000 + tile) * T, events: 1, late: 0, invalid: 0, updatedAtMs: 1, pending: 0 },
      };
      expect(await applyTileBatch(redis, { ...tileBatch('prune', step, positions), retainTiles: 3 }, cache)).toBe('applied');
      positions = step.next.positions;
    }
    const tiles = Object.keys(await redis.hgetall(streamTilesKey(prefix, 'p', 'prune', 'i1'))).map(Number);
    expect(tiles.length).toBeLessThanOrEqual(5);
    expect(tiles).toEqual(expect.arrayContaining([1008, 1009, 1010, 1011]));
  });
});
