// Stream tiles against the real Redis, under this file's own key prefix: the positions compare-and-set, the Lua merge
// against the codec's JS merge, pruning and expiry, the state fields, window values read back, and the hash read as
// one text (stream-tiles-text.lua, what serving reads).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStateKey, streamTilesKey } from '../../../src/online/keys.js';
import { defineScripts, streamTilesText } from '../../../src/online/scripts.js';
import {
  applyTileBatch,
  readStreamState,
  readStreamTiles,
  touchStreamState,
  windowValues,
  type TileBatch,
  type TileRow,
} from '../../../src/online/stream-tiles.js';
import {
  encodeTileState,
  MAX_DISTINCT_PER_TILE,
  mergeTileStates,
  parseTileState,
  splitTileStates,
  type TileKind,
  type TileState,
} from '../../../src/online/tile-codec.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { rng } from '../../helpers/prng.js';

const prefix = `${freshPrefix()}ff`;
const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
const TILE_MS = 60_000;

function batch(view: string, expected: Record<string, string> | undefined, to: string, rows: TileRow[], extra: Partial<TileBatch> = {}): TileBatch {
  return {
    prefix,
    project: 'p',
    view,
    expected,
    next: { positions: { '0': to }, watermarkMicros: 5_000_000, events: 3, late: 1, invalid: 2, updatedAtMs: 1000, pending: 0 },
    rows,
    retainTiles: 10,
    tileMs: TILE_MS,
    kinds: ['count'],
    ...extra,
  };
}

const count = (entityKey: string, tile: number, n: number): TileRow => ({ entityKey, tile, states: [[0, 'count', String(n)]] });

async function snapshot(view: string, entities: string[]): Promise<unknown> {
  const keys = [streamStateKey(prefix, 'p', view), ...entities.map((e) => streamTilesKey(prefix, 'p', view, e))];
  return readStreamTiles(redis, keys);
}

beforeAll(async () => {
  await redis.connect();
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

describe('applyTileBatch', () => {
  it('refuses a batch read after other positions than the stored ones and writes nothing', async () => {
    expect(await applyTileBatch(redis, batch('cas', undefined, '10', [count('i1', 100, 2)]))).toBe('applied');
    const before = await snapshot('cas', ['i1', 'i2']);
    // A zombie that read from the start again, and one that read after a position never stored.
    expect(await applyTileBatch(redis, batch('cas', undefined, '12', [count('i1', 100, 5), count('i2', 100, 1)]))).toBe('stale');
    expect(await applyTileBatch(redis, batch('cas', { '0': '11' }, '12', [count('i1', 100, 5)]))).toBe('stale');
    expect(await snapshot('cas', ['i1', 'i2'])).toEqual(before);
    expect(await applyTileBatch(redis, batch('cas', { '0': '10' }, '12', [count('i1', 100, 5)]))).toBe('applied');
    expect(await redis.hget(streamTilesKey(prefix, 'p', 'cas', 'i1'), '100')).toBe('7');
  });

  it('applies the same batch twice with the same expected positions only once', async () => {
    const b = batch('twice', { '0': '4' }, '9', [count('i1', 7, 3), { entityKey: 'i1', tile: 8, states: [[0, 'count', '1']] }]);
    await redis.hset(streamStateKey(prefix, 'p', 'twice'), 'positions', '{"0":"4"}');
    expect(await applyTileBatch(redis, b)).toBe('applied');
    expect(await applyTileBatch(redis, b)).toBe('stale');
    expect(await redis.hgetall(streamTilesKey(prefix, 'p', 'twice', 'i1'))).toEqual({ '7': '3', '8': '1' });
    const state = await readStreamState(redis, { prefix, project: 'p', view: 'twice' });
    expect(state).toMatchObject({ positions: { '0': '9' }, events: 3, late: 1, invalid: 2, watermarkMicros: 5_000_000, updatedAtMs: 1000 });
  });

  it('applies the first batch of a run that found a state only an empty poll wrote (no positions)', async () => {
    const ref = { prefix, project: 'p', view: 'touched' };
    await touchStreamState(redis, ref, { updatedAtMs: 5, pending: 0 });
    const stored = await readStreamState(redis, ref);
    expect(stored?.positions).toEqual({});
    expect(await applyTileBatch(redis, batch('touched', stored?.positions, '1', [count('i1', 100, 2)]))).toBe('applied');
    expect(await applyTileBatch(redis, batch('touched', { '0': '1' }, '2', [count('i1', 100, 1)]))).toBe('applied');
    expect(await redis.hget(streamTilesKey(prefix, 'p', 'touched', 'i1'), '100')).toBe('3');
  });

  it('merges every kind of state across batches exactly as the codec merges it', async () => {
    const rand = rng(14);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
    const strings = ['a', 'b', 'ab', '\uFF5E', '\u{1F600}', 'x\x1fy', '"q"', '', 'é'];
    const features: Array<[TileKind, () => TileState]> = [
      ['count', () => ({ kind: 'count', n: 1 + Math.floor(rand() * 50) })],
      ['sum', () => ({ kind: 'sum', n: 1 + Math.floor(rand() * 50), s: (rand() - 0.5) * 1e6 })],
      ['avg', () => ({ kind: 'avg', n: 1 + Math.floor(rand() * 50), s: (rand() - 0.5) * 1e3 })],
      ['min', () => ({ kind: 'min', v: (rand() - 0.5) * 1e9 })],
      ['max', () => ({ kind: 'max', v: rand() / 3 })],
      ['stddev', () => ({ kind: 'stddev', n: 1 + Math.floor(rand() * 9), mean: 1e9 + rand() * 10, m2: rand() * 100 })],
      ['count_distinct', () => ({ kind: 'count_distinct', values: [...new Set(Array.from({ length: 4 }, () => JSON.stringify(pick(strings))))] })],
      ['last', () => ({ kind: 'last', e: pick([1, 2, 3]), v: JSON.stringify(pick([1.5, -2, 10, 0.1, 3])) })],
      ['last', () => ({ kind: 'last', e: pick([1, 2]), v: JSON.stringify(pick(strings)) })],
      ['last', () => ({ kind: 'last', e: 5, v: JSON.stringify(rand() < 0.5) })],
    ];
    const expected = new Map<string, TileState>();
    let positions: Record<string, string> | undefined;
    for (let b = 0; b < 12; b++) {
      const rows: TileRow[] = [];
      for (const entityKey of ['i1', 'i2', 'sabc']) {
        for (const tile of [1000, 1001]) {
          if (rand() < 0.3) continue;
          const states = features.map(([kind, make], f) => {
            const state = make();
            const field = `${entityKey}/${tile}:${f}`;
            const old = expected.get(field);
            expected.set(field, old ? mergeTileStates(old, state) : state);
            return [f, kind, encodeTileState(state)] as const;
          });
          rows.push({ entityKey, tile, states });
        }
      }
      const next = String(b + 1);
      expect(await applyTileBatch(redis, batch('merge', positions, next, rows, { kinds: features.map(([kind]) => kind) }))).toBe('applied');
      positions = { '0': next };
    }
    for (const [where, state] of expected) {
      const [entityKey, field] = where.split('/') as [string, string];
      const [tile, f] = field.split(':') as [string, string];
      const text = await redis.hget(streamTilesKey(prefix, 'p', 'merge', entityKey), tile);
      const kind = features[Number(f)]?.[0] as TileKind;
      expect(parseTileState(kind, splitTileStates(text ?? '', features.length)[Number(f)] ?? ''), where).toEqual(state);
    }
  });

  it('caps a tile\'s distinct values across batches and counts the dropped ones in overflow', async () => {
    const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify(`v${from + i}`));
    const state = (list: string[]): TileRow => ({ entityKey: 'i1', tile: 3, states: [[0, 'count_distinct', list.join('\x1f')]] });
    const a = values(0, MAX_DISTINCT_PER_TILE - 5);
    const b = values(MAX_DISTINCT_PER_TILE - 10, 20);
    const kinds: TileKind[] = ['count_distinct'];
    expect(await applyTileBatch(redis, batch('cap', undefined, '1', [state(a)], { kinds }))).toBe('applied');
    expect(await applyTileBatch(redis, batch('cap', { '0': '1' }, '2', [state(b)], { kinds }))).toBe('applied');
    const stored = await redis.hget(streamTilesKey(prefix, 'p', 'cap', 'i1'), '3');
    const expected = mergeTileStates({ kind: 'count_distinct', values: a }, { kind: 'count_distinct', values: b });
    expect(parseTileState('count_distinct', stored ?? '')).toEqual(expected);
    expect((await readStreamState(redis, { prefix, project: 'p', view: 'cap' }))?.overflow).toBe(10);
  });

  it('prunes tiles older than the retained ones and expires the hash after the retention', async () => {
    let positions: Record<string, string> | undefined;
    for (let tile = 0; tile < 12; tile++) {
      const b = batch('prune', positions, String(tile), [count('i1', tile, 1)], { retainTiles: 3 });
      expect(await applyTileBatch(redis, b)).toBe('applied');
      positions = { '0': String(tile) };
    }
    const key = streamTilesKey(prefix, 'p', 'prune', 'i1');
    const tiles = Object.keys(await redis.hgetall(key)).map(Number);
    // Pruned once the hash passed (3 + 2) fields: never more than that, never a tile within the retained range.
    expect(tiles.length).toBeLessThanOrEqual(5);
    expect(tiles).toEqual(expect.arrayContaining([8, 9, 10, 11]));
    expect(Math.min(...tiles)).toBeGreaterThanOrEqual(11 - 3 - 1);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3 * TILE_MS);
  });

  it('keeps the greater watermark, adds counters and keeps caughtUpAt unless given', async () => {
    const ref = { prefix, project: 'p', view: 'state' };
    const next = { positions: { '0': '1', '1': '7' }, watermarkMicros: 9e12, events: 5, late: 0, invalid: 0, updatedAtMs: 10, caughtUpAtMs: 10, pending: 3 };
    expect(await applyTileBatch(redis, batch('state', undefined, '', [], { next }))).toBe('applied');
    const second = { ...next, positions: { '1': '8', '0': '2' }, watermarkMicros: 1e12, caughtUpAtMs: undefined, updatedAtMs: 20, pending: 0 };
    // Positions compare as canonical JSON: the key order of the object does not matter.
    expect(await applyTileBatch(redis, batch('state', { '1': '7', '0': '1' }, '', [], { next: second }))).toBe('applied');
    expect(await readStreamState(redis, ref)).toEqual({
      positions: { '0': '2', '1': '8' },
      watermarkMicros: 9e12,
      events: 10,
      late: 0,
      invalid: 0,
      overflow: 0,
      updatedAtMs: 20,
      caughtUpAtMs: 10,
      pending: 0,
    });
    await touchStreamState(redis, ref, { updatedAtMs: 30, caughtUpAtMs: 30, pending: 0 });
    expect(await readStreamState(redis, ref)).toMatchObject({ positions: { '0': '2', '1': '8' }, updatedAtMs: 30, caughtUpAtMs: 30, events: 10 });
    expect(await readStreamState(redis, { ...ref, view: 'never' })).toBeUndefined();
  });

  it('serves window values merged from the tiles read back', async () => {
    const tileMicros = TILE_MS * 1000;
    const rows: TileRow[] = [5, 6, 8, 9].map((tile) => ({
      entityKey: 'i1',
      tile,
      states: [
        [0, 'count', '2'],
        [1, 'sum', `2,${tile}`],
      ],
    }));
    expect(await applyTileBatch(redis, batch('window', undefined, '1', rows, { kinds: ['count', 'sum'] }))).toBe('applied');
    const [fields] = await readStreamTiles(redis, [streamTilesKey(prefix, 'p', 'window', 'i1')]);
    // At the middle of tile 9: a 3-tile window starts at tile 6, a 10-tile one takes all; tile 10 would be later.
    const at = 9.5 * tileMicros;
    const values = windowValues(fields ?? {}, { kinds: ['count', 'sum'], windowMicros: [3 * tileMicros, 10 * tileMicros], tileMicros }, at);
    expect(values).toEqual([
      [6, 8],
      [23, 28],
    ]);
    expect(windowValues(fields ?? {}, { kinds: ['count', 'sum'], windowMicros: [tileMicros], tileMicros }, 7.5 * tileMicros)).toEqual([[2], [6]]);
  });

  it('reads a tile hash as one text: the fields and states HGETALL gives, UTF-8 and empty values included', async () => {
    defineScripts(redis);
    const rows: TileRow[] = [1, 2].map((tile) => ({
      entityKey: 'i1',
      tile,
      states: [
        [0, 'count', String(tile)],
        [1, 'count_distinct', ['"é"', '"\u{1F600}"', '""', `"m${tile}"`].join('\x1f')],
      ],
    }));
    expect(await applyTileBatch(redis, batch('text', undefined, '1', rows, { kinds: ['count', 'count_distinct'] }))).toBe('applied');
    const key = streamTilesKey(prefix, 'p', 'text', 'i1');
    const pairs = await streamTilesText(redis, key);
    const asObject = Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
    expect(asObject).toEqual(await redis.hgetall(key));
    // One field per tile, both features' states in it.
    expect(Object.keys(asObject).sort()).toEqual(['1', '2']);
    expect(splitTileStates(asObject['2'] ?? '', 2)).toEqual(['2', ['"é"', '"\u{1F600}"', '""', '"m2"'].join('\x1f')]);
    expect(await streamTilesText(redis, streamTilesKey(prefix, 'p', 'text', 'missing'))).toEqual([]);
  });
});
