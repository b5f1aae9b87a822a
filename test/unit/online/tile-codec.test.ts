/**
 * Tile states: merging the states of any split of the events, in any order, finalizes to the value computed over all
 * events at once (the property serving relies on), and state texts round-trip, including Lua's %.17g spellings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareLastValues,
  encodeTileState,
  finalizeTileState,
  MAX_DISTINCT_PER_TILE,
  mergeTileStates,
  parseTileState,
  TILE_KINDS,
  type FeatureValue,
  type MergeStats,
  type TileKind,
  type TileState,
} from '../../../src/online/tile-codec.js';

interface Ev {
  e: number;
  v: number;
}

/** The state of one group of events, computed directly (what a micro-batch's DuckDB partial holds). */
function stateOf(kind: TileKind, events: readonly Ev[]): TileState | undefined {
  if (events.length === 0) return undefined;
  const vs = events.map((x) => x.v);
  const n = vs.length;
  const s = vs.reduce((a, b) => a + b, 0);
  switch (kind) {
    case 'count':
      return { kind, n };
    case 'sum':
    case 'avg':
      return { kind, n, s };
    case 'min':
      return { kind, v: Math.min(...vs) };
    case 'max':
      return { kind, v: Math.max(...vs) };
    case 'stddev': {
      const mean = s / n;
      return { kind, n, mean, m2: vs.reduce((a, v) => a + (v - mean) ** 2, 0) };
    }
    case 'count_distinct':
      return { kind, values: [...new Set(vs.map((v) => JSON.stringify(v)))] };
    case 'last': {
      const best = events.reduce((a, b) => (b.e > a.e || (b.e === a.e && b.v > a.v) ? b : a));
      return { kind, e: best.e, v: JSON.stringify(best.v) };
    }
  }
}

/** The value over all events at once, as SQL computes it. */
function direct(kind: TileKind, events: readonly Ev[]): FeatureValue {
  const vs = events.map((x) => x.v);
  const n = vs.length;
  const s = vs.reduce((a, b) => a + b, 0);
  if (kind === 'count') return n;
  if (kind === 'count_distinct') return new Set(vs).size;
  if (n === 0) return null;
  switch (kind) {
    case 'sum':
      return s;
    case 'avg':
      return s / n;
    case 'min':
      return Math.min(...vs);
    case 'max':
      return Math.max(...vs);
    case 'stddev': {
      if (n < 2) return null;
      const mean = s / n;
      return Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    }
    default: {
      const best = events.reduce((a, b) => (b.e > a.e || (b.e === a.e && b.v > a.v) ? b : a));
      return best.v;
    }
  }
}

function close(actual: FeatureValue, expected: FeatureValue, exact: boolean): boolean {
  if (typeof actual !== 'number' || typeof expected !== 'number' || exact) return Object.is(actual, expected) || actual === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

const event = (integer: boolean) =>
  fc.record({
    e: fc.integer({ min: 0, max: 20 }),
    v: integer ? fc.integer({ min: -1000, max: 1000 }) : fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  });

describe('tile states', () => {
  for (const integer of [true, false]) {
    it(`merging any split of ${integer ? 'integer' : 'float'} events in any order equals computing directly, for every function`, () => {
      fc.assert(
        fc.property(
          fc.array(event(integer), { maxLength: 40 }),
          fc.array(fc.nat(5), { maxLength: 40 }),
          fc.infiniteStream(fc.nat()),
          (events, groupOf, order) => {
            const groups: Ev[][] = [[], [], [], [], [], []];
            events.forEach((ev, i) => groups[(groupOf[i] ?? 0) % groups.length]?.push(ev));
            // A random order of the groups, through the encoded text as Redis would hold it.
            const shuffled = groups.map((g) => ({ g, r: order.next().value as number })).sort((a, b) => a.r - b.r);
            for (const kind of TILE_KINDS) {
              let acc: TileState | undefined;
              for (const { g } of shuffled) {
                const state = stateOf(kind, g);
                if (state === undefined) continue;
                const stored = parseTileState(kind, encodeTileState(state));
                acc = acc === undefined ? stored : mergeTileStates(acc, stored);
              }
              const actual = finalizeTileState(kind, acc);
              const expected = direct(kind, events);
              // Counts, and sums of integers, are exact; avg and stddev divide, float sums depend on the order.
              const exact = !['avg', 'stddev', ...(integer ? [] : ['sum'])].includes(kind);
              if (!close(actual, expected, exact)) {
                throw new Error(`${kind}: merged ${String(actual)}, direct ${String(expected)}`);
              }
            }
          },
        ),
        { numRuns: 300, seed: 1405 },
      );
    });
  }

  it('reads the texts Lua writes with %.17g, including infinities', () => {
    expect(parseTileState('sum', '3,0.10000000000000001')).toEqual({ kind: 'sum', n: 3, s: 0.1 });
    expect(parseTileState('max', 'inf')).toEqual({ kind: 'max', v: Infinity });
    expect(parseTileState('min', '-inf')).toEqual({ kind: 'min', v: -Infinity });
    expect(parseTileState('stddev', '2,1.5,4.5')).toEqual({ kind: 'stddev', n: 2, mean: 1.5, m2: 4.5 });
  });

  it('round-trips every double exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        const state: TileState = { kind: 'sum', n: 1, s: a };
        expect(parseTileState('sum', encodeTileState(state))).toEqual(state);
        expect(parseTileState('last', encodeTileState({ kind: 'last', e: 5, v: JSON.stringify(b) }))).toEqual({ kind: 'last', e: 5, v: JSON.stringify(b) });
      }),
    );
  });

  it('keeps count_distinct values with separators and quotes apart', () => {
    const values = ['a\x1fb', 'a', 'b', '"', '|', ','].map((v) => JSON.stringify(v));
    const state: TileState = { kind: 'count_distinct', values };
    expect(parseTileState('count_distinct', encodeTileState(state))).toEqual(state);
    expect(finalizeTileState('count_distinct', state)).toBe(6);
  });

  it('keeps at most MAX_DISTINCT_PER_TILE values per tile and counts the dropped ones', () => {
    const many = (from: number, n: number): TileState => ({ kind: 'count_distinct', values: Array.from({ length: n }, (_, i) => String(from + i)) });
    const stats: MergeStats = { dropped: 0 };
    const merged = mergeTileStates(many(0, MAX_DISTINCT_PER_TILE - 5), many(MAX_DISTINCT_PER_TILE - 10, 20), stats);
    expect(finalizeTileState('count_distinct', merged)).toBe(MAX_DISTINCT_PER_TILE);
    expect(stats.dropped).toBe(10);
    // A window's merge is uncapped.
    expect(finalizeTileState('count_distinct', mergeTileStates(many(0, MAX_DISTINCT_PER_TILE), many(MAX_DISTINCT_PER_TILE, 3), undefined, Infinity))).toBe(
      MAX_DISTINCT_PER_TILE + 3,
    );
  });

  it('breaks ties of last on equal event times by the greater value, as DuckDB orders them', () => {
    const last = (v: unknown): TileState => ({ kind: 'last', e: 7, v: JSON.stringify(v) });
    expect(finalizeTileState('last', mergeTileStates(last(10), last(9)))).toBe(10);
    expect(finalizeTileState('last', mergeTileStates(last(9), last(10)))).toBe(10);
    expect(finalizeTileState('last', mergeTileStates(last('b'), last('ab')))).toBe('b');
    expect(finalizeTileState('last', mergeTileStates(last(true), last(false)))).toBe(true);
    // UTF-8 byte order, not UTF-16: U+FF5E sorts before U+1F600.
    expect(compareLastValues(JSON.stringify('\u{1F600}'), JSON.stringify('\uFF5E'))).toBeGreaterThan(0);
    expect(finalizeTileState('last', mergeTileStates({ kind: 'last', e: 8, v: '1' }, last(99)))).toBe(1);
  });

  it('finalizes a window without values as SQL does: counts 0, the rest NULL', () => {
    for (const kind of TILE_KINDS) {
      expect(finalizeTileState(kind, undefined)).toBe(kind === 'count' || kind === 'count_distinct' ? 0 : null);
    }
    expect(finalizeTileState('stddev', { kind: 'stddev', n: 1, mean: 3, m2: 0 })).toBeNull();
  });

  it('refuses corrupt texts with a clear error', () => {
    expect(() => parseTileState('sum', '3')).toThrow(/corrupt sum tile state "3"/);
    expect(() => parseTileState('last', 'x')).toThrow(/corrupt last tile state/);
    expect(() => parseTileState('count', 'abc')).toThrow(/corrupt count/);
  });
});
