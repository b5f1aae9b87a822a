import { describe, expect, it } from 'vitest';
import { groupTileRows, mergedRecords, RECORD, UNIT, type TileRow } from '../../../src/online/stream-batch.js';
import { encodeTileState, joinTileStates, mergeTileStates, parseTileState, type TileKind } from '../../../src/online/tile-codec.js';
import { rng } from '../../helpers/prng.js';

const KINDS: TileKind[] = ['count', 'sum', 'count_distinct'];

const row = (entityKey: string, tile: number, states: Array<[number, TileKind, string]>): TileRow => ({ entityKey, tile, states });

describe('groupTileRows', () => {
  it('gives one field per tile of each entity with every feature in order, absent ones empty', () => {
    const keys = groupTileRows([row('a', 5, [[0, 'count', '2'], [2, 'count_distinct', '"x"']]), row('b', 5, [[1, 'sum', '1,2.5']]), row('a', 6, [[0, 'count', '1']])], KINDS, { dropped: 0 });
    expect(keys).toEqual([
      { entityKey: 'a', tiles: [5, 6], fields: ['5', '6'], texts: [joinTileStates(['2', '', '"x"']), joinTileStates(['1', '', ''])], maxTile: 6 },
      { entityKey: 'b', tiles: [5], fields: ['5'], texts: [joinTileStates(['', '1,2.5', ''])], maxTile: 5 },
    ]);
  });

  it('merges a repeated (entity, tile) as the codec merges its states', () => {
    const [key] = groupTileRows([row('a', 5, [[0, 'count', '2'], [1, 'sum', '1,0.1']]), row('a', 5, [[0, 'count', '3'], [1, 'sum', '2,0.2']])], KINDS, { dropped: 0 });
    expect(key?.texts).toEqual([joinTileStates(['5', '3,0.30000000000000004', ''])]);
  });

  it('takes rows whose states come joined as they are, merges their repeats, and refuses another width or a record separator', () => {
    const joined = (entityKey: string, tile: number, states: string[]): TileRow => ({ entityKey, tile, states: [], joined: joinTileStates(states) });
    const keys = groupTileRows([joined('a', 5, ['2', '', '"x"']), row('a', 5, [[0, 'count', '1'], [2, 'count_distinct', '"y"']]), joined('b', 7, ['', '1,2.5', ''])], KINDS, { dropped: 0 });
    expect(keys.map((k) => [k.entityKey, k.texts])).toEqual([
      ['a', [joinTileStates(['3', '', '"x"\x1f"y"'])]],
      ['b', [joinTileStates(['', '1,2.5', ''])]],
    ]);
    expect(() => groupTileRows([joined('a', 1, ['1', '1,1'])], KINDS, { dropped: 0 })).toThrow(/a tile row holds 2 feature states, the view has 3/);
    expect(() => groupTileRows([joined('a', 1, ['1', '1,1', '"x\x1e"'])], KINDS, { dropped: 0 })).toThrow(/x1d or \\x1e/);
  });

  it('refuses a state of another kind than the feature and a state holding a separator', () => {
    expect(() => groupTileRows([row('a', 1, [[0, 'sum', '1,1']])], KINDS, { dropped: 0 })).toThrow(/feature 0 is count, got a sum state/);
    expect(() => groupTileRows([row('a', 1, [[2, 'count_distinct', '"x"\x1c"y"']])], KINDS, { dropped: 0 })).toThrow(/without/);
  });
});

describe('mergedRecords', () => {
  it('merges stored states feature by feature, keeps stored ones the batch lacks, and packs tile and value', () => {
    const [key] = groupTileRows([row('a', 5, [[0, 'count', '2'], [2, 'count_distinct', '"y"']])], KINDS, { dropped: 0 });
    const stored = joinTileStates(['3', '4,10', '"x"']);
    const { packed, texts, added } = mergedRecords(key!, [stored], KINDS, { dropped: 0 });
    expect(packed).toBe(`5${UNIT}${joinTileStates(['5', '4,10', '"x"\x1f"y"'])}`);
    expect(texts).toEqual([joinTileStates(['5', '4,10', '"x"\x1f"y"'])]);
    expect(added).toBe(false);
  });

  it('gives the same texts as the codec for counts and sums, infinities and NaN included', () => {
    const cases: Array<[TileKind, string, string]> = [
      ['count', '3', '4'],
      ['sum', '2,0.1', '1,0.2'],
      ['sum', '1,Infinity', '1,-Infinity'],
      ['sum', '1,inf', '1,2'],
      ['sum', '1,NaN', '1,2'],
    ];
    for (const [kind, a, b] of cases) {
      const [key] = groupTileRows([row('a', 1, [[kind === 'count' ? 0 : 1, kind, b]])], KINDS, { dropped: 0 });
      const stored = joinTileStates(kind === 'count' ? [a, '', ''] : ['', a, '']);
      const { packed } = mergedRecords(key!, [stored], KINDS, { dropped: 0 });
      const want = encodeTileState(mergeTileStates(parseTileState(kind, a), parseTileState(kind, b)));
      expect(packed.split(UNIT)[1]?.split('\x1c')[kind === 'count' ? 0 : 1], `${kind} ${a} + ${b}`).toBe(want);
    }
  });

  it('merges max, min and a one-value count_distinct exactly as the codec, values that contain another included', () => {
    const rand = rng(3);
    const kinds: TileKind[] = ['max', 'min', 'count_distinct'];
    const pieces = ['a', 'b', 'ab', '"', '\\', 'é', ''];
    const value = (): string => JSON.stringify(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pieces[Math.floor(rand() * pieces.length)]).join(''));
    const numbers = ['1.5', '-2', 'Infinity', '-Infinity', '0', '1e300', 'inf', 'nan', '3'];
    for (let i = 0; i < 500; i++) {
      const num = (): string => numbers[Math.floor(rand() * numbers.length)] as string;
      const stored = [num(), num(), [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, value))].join('\x1f')];
      const batch = [num(), num(), rand() < 0.8 ? value() : [...new Set([value(), value()])].join('\x1f')];
      const [key] = groupTileRows([row('a', 1, batch.map((state, f) => [f, kinds[f] as TileKind, state]))], kinds, { dropped: 0 });
      const { texts } = mergedRecords(key!, [joinTileStates(stored)], kinds, { dropped: 0 });
      const want = kinds.map((kind, f) => encodeTileState(mergeTileStates(parseTileState(kind, stored[f] as string), parseTileState(kind, batch[f] as string))));
      expect(texts[0], JSON.stringify({ stored, batch })).toBe(joinTileStates(want));
    }
  });

  it('says a key added a tile field (a prune candidate) only when a tile had no stored state', () => {
    const keys = groupTileRows([row('a', 7, [[0, 'count', '1']]), row('a', 8, [[0, 'count', '1']])], KINDS, { dropped: 0 });
    expect(mergedRecords(keys[0]!, ['', joinTileStates(['1', '', ''])], KINDS, { dropped: 0 }).added).toBe(true);
    const both = mergedRecords(keys[0]!, [joinTileStates(['1', '', '']), joinTileStates(['2', '', ''])], KINDS, { dropped: 0 });
    expect(both.added).toBe(false);
    expect(both.packed.split(RECORD)).toHaveLength(2);
  });

  it('refuses a stored tile written for another number of features, naming the fix', () => {
    const [key] = groupTileRows([row('a', 5, [[0, 'count', '2']])], KINDS, { dropped: 0 });
    expect(() => mergedRecords(key!, [joinTileStates(['1', '2,2'])], KINDS, { dropped: 0 })).toThrow(
      /holds 2 feature states, the view has 3.*clear the view's stream tiles/,
    );
  });
});
