/**
 * Scanning a tile hash's one text in place (tile-scan.ts) finds the states splitting it finds, and reads from them
 * the numbers readStateNumbers reads (bit for bit, errors alike) wherever in the text they are; count_distinct's
 * RangeSet counts what a Set of the sliced items counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeSet } from '../../../src/online/range-set.js';
import { joinTileStates, readStateNumbers, type NumericTileKind } from '../../../src/online/tile-codec.js';
import { readStateNumbersAt, scanTileStates, type ScannedStates } from '../../../src/online/tile-scan.js';

/** The state texts found, newest tile first (null: none). */
function found(states: ScannedStates): Array<string | null> {
  return Array.from({ length: states.ranges.length / 2 }, (_, k) => {
    const from = states.ranges[2 * k] as number;
    return from < 0 ? null : states.text.slice(from, states.ranges[2 * k + 1]);
  });
}

const span = { atMicros: 0, last: 10, earliest: 8 };

describe('scanning a tile hash text', () => {
  it('finds nothing in an empty hash', () => {
    expect(found(scanTileStates('', 2, [0, 1], span))).toEqual([null, null, null, null, null, null]);
  });

  it('places the selected states by tile, newest first, and leaves empty states out', () => {
    const text = ['9', joinTileStates(['1', '', '3']), '10', joinTileStates(['', '-2.5,4', '']), '8', joinTileStates(['7', '1,1', '9'])].join('\x1e');
    expect(found(scanTileStates(text, 3, [0, 1, 2], span))).toEqual([null, '-2.5,4', null, '1', null, '3', '7', '1,1', '9']);
    expect(found(scanTileStates(text, 3, [1], span))).toEqual(['-2.5,4', null, '1,1']);
  });

  it('skips fields naming no tile, tiles outside the span and a trailing field without a value', () => {
    const text = ['x', '1', '', '2', '-3', '3', '11', '4', '7', '5', '9:0', '6', '09', '8', '10'].join('\x1e');
    // '09' is tile 9, as Number() reads it; the last '10' has no value.
    expect(found(scanTileStates(text, 1, [0], span))).toEqual([null, '8', null]);
  });

  it('reads negative tiles and the empty tile value of a one-feature view', () => {
    const text = ['-1', '', '-2', '5'].join('\x1e');
    expect(found(scanTileStates(text, 1, [0], { atMicros: 0, last: -1, earliest: -2 }))).toEqual([null, '5']);
  });

  it('refuses a tile in the span holding another number of states, not one outside it', () => {
    const tooMany = ['9', joinTileStates(['1', '2', '3'])].join('\x1e');
    expect(() => scanTileStates(tooMany, 2, [0], span)).toThrow(/holds 3 feature states, the view has 2.*clear the view's stream tiles/);
    expect(() => scanTileStates(['9', '1'].join('\x1e'), 2, [0], span)).toThrow(/holds 1 feature states, the view has 2/);
    expect(found(scanTileStates(['3', '1'].join('\x1e'), 2, [0], span))).toEqual([null, null, null]);
  });
});

describe('readStateNumbersAt', () => {
  const numeric: NumericTileKind[] = ['count', 'sum', 'avg', 'min', 'max', 'stddev'];
  const part = fc.oneof(
    fc.double().map(String),
    fc.integer().map(String),
    fc.integer({ min: -1e6, max: 1e6 }).map((i) => String(i / 64)),
    fc.constantFrom('-0', '0', '-0.0', '00.5', '0.10', '1.', '.5', '-', '--1', '1e5', '5e-324', 'inf', '-nan', ' 1', '1 ', '', '0x10'),
    fc.constantFrom('123456789012345', '1234567890123456', '9007199254740993', '0.123456789012345', '1.2345678901234567', '99999999999999.9'),
  );
  const text = fc.array(part, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(','));
  const around = fc.constantFrom('', '7', '\x1c', '1,2\x1c', '\x1e5\x1e');

  it('reads what readStateNumbers reads from the sliced state, and refuses what it refuses', () => {
    fc.assert(
      fc.property(fc.constantFrom(...numeric), text, around, around, (kind, state, before, after) => {
        const whole = before + state + after;
        const expected = new Float64Array(3).fill(7);
        const out = new Float64Array(3).fill(7);
        let error: unknown;
        try {
          readStateNumbers(kind, state, expected);
        } catch (err) {
          error = err;
        }
        if (error instanceof Error) {
          expect(() => readStateNumbersAt(kind, whole, before.length, before.length + state.length, out)).toThrow(error.message);
          return;
        }
        readStateNumbersAt(kind, whole, before.length, before.length + state.length, out);
        expect([...out]).toEqual([...expected]);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('RangeSet', () => {
  it('counts the distinct items as a Set of their texts does', () => {
    const item = fc.constantFrom('"a"', '"b"', '"ab"', '"ba"', '', '1', '"é"', '"\u{1F600}"', 'null', '"a\\u001fb"');
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), (items) => {
        const text = items.join('\x1f');
        const set = new RangeSet(4);
        let from = 0;
        for (const it of items) {
          set.add(text, from, from + it.length);
          from += it.length + 1;
        }
        expect(set.size).toBe(new Set(items).size);
      }),
    );
  });

  it('starts over when cleared, with items of another text', () => {
    const set = new RangeSet(4);
    const items = Array.from({ length: 40 }, (_, i) => `"m${i}"`);
    const text = items.join('\x1f');
    let from = 0;
    for (const item of items) {
      set.add(text, from, from + item.length);
      from += item.length + 1;
    }
    expect(set.size).toBe(40);
    // Grown past 16 slots it is let go, below it is kept: both count from nothing again.
    set.clear(16);
    set.add('"a"\x1f"a"', 0, 3);
    set.add('"a"\x1f"a"', 4, 7);
    expect(set.size).toBe(1);
    set.clear();
    set.add('"b"', 0, 3);
    expect(set.size).toBe(1);
  });

  it('refuses an item of another text (its items are where they are in one text)', () => {
    const set = new RangeSet();
    set.add('"a"', 0, 3);
    expect(() => set.add('"b"', 0, 3)).toThrow(/another text/);
  });
});
