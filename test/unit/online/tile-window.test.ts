/**
 * Window values from tile states: the one-pass fold (tile-window.ts, tile-fold.ts) gives, bit for bit, what merging
 * each window's tiles with mergeTileStates newest tile first gives (the reference below is the per-window merge
 * serving used before, fed the hash newest tile first), for every function, odd numbers (-0, NaN, inf), ties of
 * `last` and tiles outside the windows; a tile of another number of features is refused; a selection reads only its features and answers
 * its entries alike; readStateNumbers reads what parseTileState reads and refuses what it refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstWindowTile, tileOf } from '../../../src/registry/stream-tiles.js';
import {
  finalizeTileState,
  formatNumber,
  joinTileStates,
  mergeTileStates,
  parseTileState,
  readStateNumbers,
  TILE_KINDS,
  type FeatureValue,
  type NumericTileKind,
  type TileKind,
  type TileState,
} from '../../../src/online/tile-codec.js';
import { orderedStates, windowSpan, windowValues, windowValuesOrdered, type ScannedStates, type WindowSpec } from '../../../src/online/tile-window.js';

/** The state texts a scan found, in its order (null: none). */
function texts(states: ScannedStates): Array<string | null> {
  return Array.from({ length: states.ranges.length / 2 }, (_, k) => {
    const from = states.ranges[2 * k] as number;
    return from < 0 ? null : states.text.slice(from, states.ranges[2 * k + 1]);
  });
}

/** Per window, mergeTileStates over its tiles in the hash's field order (count_distinct: the union's size). */
function reference(fields: Readonly<Record<string, string>>, spec: WindowSpec, atMicros: number): FeatureValue[][] {
  const last = tileOf(atMicros, spec.tileMicros);
  const firsts = spec.windowMicros.map((w) => firstWindowTile(atMicros, w, spec.tileMicros));
  const earliest = Math.min(...firsts);
  const merged: Array<Array<TileState | undefined>> = spec.kinds.map(() => spec.windowMicros.map(() => undefined));
  const distinct: Array<Array<Set<string> | undefined>> = spec.kinds.map(() => spec.windowMicros.map(() => undefined));
  for (const [field, text] of Object.entries(fields)) {
    const match = /^(-?\d+):(\d+)$/.exec(field);
    if (!match) continue;
    const tile = Number(match[1]);
    const f = Number(match[2]);
    const kind = spec.kinds[f];
    if (kind === undefined || tile > last || tile < earliest) continue;
    const state = parseTileState(kind, text);
    firsts.forEach((first, j) => {
      if (tile < first) return;
      const row = merged[f] as Array<TileState | undefined>;
      if (state.kind === 'count_distinct') {
        const sets = distinct[f] as Array<Set<string> | undefined>;
        const set = sets[j] ?? new Set<string>();
        for (const v of state.values) set.add(v);
        sets[j] = set;
        return;
      }
      const current = row[j];
      row[j] = current === undefined ? state : mergeTileStates(current, state);
    });
  }
  return spec.kinds.map((kind, f) => spec.windowMicros.map((_, j) => (kind === 'count_distinct' ? (distinct[f]?.[j]?.size ?? 0) : finalizeTileState(kind, merged[f]?.[j]))));
}

/** The hash's fields newest tile first (the order the fold merges in). */
function newestFirst(fields: Record<string, string>): Record<string, string> {
  const tileOfField = (field: string): number => Number(field.split(':')[0]);
  return Object.fromEntries(Object.entries(fields).sort((a, b) => tileOfField(b[0]) - tileOfField(a[0])));
}

/**
 * The tile hash as stored (one field per tile, every feature's state joined) from per (tile, feature) fields, tiles in
 * the order their first field comes; fields of features beyond the view's are left out, as a read leaves them out.
 */
function packed(fields: Readonly<Record<string, string>>, features: number): Record<string, string> {
  const tiles = new Map<string, string[]>();
  for (const [field, text] of Object.entries(fields)) {
    const [tile, f] = field.split(':') as [string, string];
    if (Number(f) >= features) continue;
    const states = tiles.get(tile) ?? Array.from({ length: features }, () => '');
    states[Number(f)] = text;
    tiles.set(tile, states);
  }
  return Object.fromEntries([...tiles].map(([tile, states]) => [tile, joinTileStates(states)]));
}

const TILE = 60_000_000;
const number = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((i) => i / 8) },
  // Sums of these round, so a merge in another order or grouping gives other bits.
  { weight: 4, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map((i) => i / 7) },
  { weight: 2, arbitrary: fc.double({ noDefaultInfinity: false }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.1, 0.2, 1e300) },
);
/** As TS writes numbers, or Lua's %.17g spellings of the odd ones. */
const numberText = number.chain((x) => (Number.isFinite(x) ? fc.constant(formatNumber(x)) : fc.constantFrom(formatNumber(x), Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf')));
const count = fc.integer({ min: 0, max: 50 }).map(String);
const jsonValue = fc.constantFrom('1', '1.0', '2', '"a"', '"b"', '"é"', 'true', 'false', '[1]');

function stateText(kind: TileKind): fc.Arbitrary<string> {
  switch (kind) {
    case 'count':
      return count;
    case 'sum':
    case 'avg':
      return fc.tuple(count, numberText).map(([n, s]) => `${n},${s}`);
    case 'min':
    case 'max':
      return numberText;
    case 'stddev':
      return fc.tuple(fc.integer({ min: 1, max: 20 }).map(String), numberText, numberText).map(([n, mean, m2]) => `${n},${mean},${m2}`);
    case 'count_distinct':
      return fc.uniqueArray(fc.constantFrom('"m1"', '"m2"', '"m3"', '4', '""', 'null'), { maxLength: 4 }).map((vs) => vs.join('\x1f'));
    case 'last':
      return fc.tuple(fc.constantFrom(5, 6, 7), jsonValue).map(([e, v]) => `${e}|${v}`);
  }
}

interface Case {
  spec: WindowSpec;
  atMicros: number;
  fields: Record<string, string>;
}

const kindsArb = fc.array(fc.constantFrom(...TILE_KINDS), { minLength: 1, maxLength: 4 });
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    kinds: kindsArb,
    windows: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
    offset: fc.integer({ min: 0, max: TILE - 1 }),
  })
  .chain(({ kinds, windows, offset }) => {
    const atMicros = 29_000_000 * TILE + offset;
    const last = tileOf(atMicros, TILE);
    // Tiles from before the longest window to two after the request time; field indexes one past the view's.
    const field = fc.tuple(fc.integer({ min: last - 23, max: last + 2 }), fc.integer({ min: 0, max: kinds.length }));
    return fc.uniqueArray(field, { selector: ([t, f]) => `${t}:${f}`, minLength: 10, maxLength: 80 }).chain((keys) =>
      fc.tuple(...keys.map(([, f]) => stateText(kinds[f] ?? 'count'))).map((texts) => ({
        spec: { kinds, windowMicros: windows.map((w) => w * TILE), tileMicros: TILE },
        atMicros,
        fields: Object.fromEntries(keys.map(([t, f], i) => [`${t}:${f}`, texts[i] as string])),
      })),
    );
  });

describe('window values', () => {
  it('are those of merging each window newest tile first, in whatever order the hash holds its fields', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), ({ spec, atMicros, fields }, seed) => {
        const mix = (key: string): number => [...key].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16_777_619), seed) >>> 0;
        const shuffled = Object.fromEntries(Object.entries(fields).sort((a, b) => mix(a[0]) - mix(b[0])));
        expect(windowValues(packed(shuffled, spec.kinds.length), spec, atMicros)).toEqual(reference(newestFirst(fields), spec, atMicros));
      }),
      { numRuns: 400 },
    );
  });

  it('of a selection equal the full read on its entries, from only its fields', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1, max: 31 }), ({ spec, atMicros, fields }, fBits, wBits) => {
        const pick = (n: number, bits: number): number[] => {
          const picked = Array.from({ length: n }, (_, i) => i).filter((i) => (bits >> i) & 1);
          return picked.length > 0 ? picked : [0];
        };
        const selection = { features: pick(spec.kinds.length, fBits), windows: pick(spec.windowMicros.length, wBits) };
        const span = windowSpan(spec, selection, atMicros);
        // As the raw HGETALL reply gives the hash.
        const hash = packed(fields, spec.kinds.length);
        const states = orderedStates(Object.entries(hash).flat(), spec, selection, span);
        const selected = windowValuesOrdered(states, spec, selection, span);
        const full = windowValues(hash, spec, atMicros);
        spec.kinds.forEach((_, f) =>
          spec.windowMicros.forEach((__, j) => {
            const wanted = selection.features.includes(f) && selection.windows.includes(j);
            expect(selected[f]?.[j]).toEqual(wanted ? full[f]?.[j] : null);
          }),
        );
        const longest = Math.max(...selection.windows.map((j) => spec.windowMicros[j] as number));
        expect(states.ranges.length / 2).toBe((span.last - firstWindowTile(atMicros, longest, TILE) + 1) * selection.features.length);
      }),
      { numRuns: 200 },
    );
  });

  it('fold the selected states newest tile first, the selected features of each in order, the other fields left out', () => {
    const spec: WindowSpec = { kinds: ['count', 'sum', 'max'], windowMicros: [2 * TILE, TILE], tileMicros: TILE };
    const selection = { features: [0, 2], windows: [0, 1] };
    const span = windowSpan(spec, selection, 100 * TILE + 5);
    const j = (...states: string[]): string => joinTileStates(states);
    const hash = ['98', j('3', '', '9'), '101', j('5', '', ''), '100', j('1', '1,2', '7'), '97', j('4', '', ''), 'x', j('1', '', ''), '099', j('6', '', ''), '100:0', j('1', '', '')];
    const states = orderedStates(hash, spec, selection, span);
    // '099' is tile 99 as Number() reads it; 'x' and '100:0' name no tile.
    expect(texts(states)).toEqual(['1', '7', '6', null, '3', '9']);
    // Windows in any order: 2 tiles back from tile 100 (98..100), 1 tile back (99..100).
    expect(windowValuesOrdered(states, spec, selection, span)).toEqual([
      [10, 7],
      [null, null],
      [9, 7],
    ]);
  });
  it('merge sums newest tile first: the order fixes the rounding', () => {
    const spec: WindowSpec = { kinds: ['sum', 'avg'], windowMicros: [3 * TILE], tileMicros: TILE };
    const fields = { '100': joinTileStates(['1,1', '1,1']), '99': joinTileStates(['1,1e16', '1,1e16']), '98': joinTileStates(['1,-1e16', '1,-1e16']) };
    // (1 + 1e16) + -1e16, not (-1e16 + 1e16) + 1.
    expect(windowValues(fields, spec, 100 * TILE)).toEqual([[0], [0]]);
  });
});

describe('a tile written for another number of features', () => {
  it('is refused with the fix named, not read as other features', () => {
    const spec: WindowSpec = { kinds: ['count', 'sum'], windowMicros: [TILE], tileMicros: TILE };
    expect(() => windowValues({ '100': joinTileStates(['1', '1,2', '3']) }, spec, 100 * TILE)).toThrow(/holds 3 feature states, the view has 2.*clear the view's stream tiles/);
  });
});

describe('readStateNumbers', () => {
  const odd = fc.constantFrom('', ' ', ' 5', '5 ', '-', '+5', '.5', '0x10', '-0x10', '1e5', 'inf', '-inf', 'nan', '-nan', 'Infinity', '\u00a0', 'a', '1,');
  const part = fc.oneof(numberText, odd);
  const text = fc.array(part, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(','));
  const numeric: NumericTileKind[] = ['count', 'sum', 'avg', 'min', 'max', 'stddev'];

  it('reads what parseTileState reads, and refuses what it refuses with its error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...numeric), text, (kind, t) => {
        let expected: number[] | Error;
        try {
          const s = parseTileState(kind, t);
          expected = s.kind === 'stddev' ? [s.n, s.mean, s.m2] : s.kind === 'sum' || s.kind === 'avg' ? [s.n, s.s] : s.kind === 'count' ? [s.n] : [(s as { v: number }).v];
        } catch (err) {
          expected = err as Error;
        }
        const out = new Float64Array(3);
        if (expected instanceof Error) {
          expect(() => readStateNumbers(kind, t, out)).toThrow(expected.message);
        } else {
          readStateNumbers(kind, t, out);
          expect([...out.slice(0, expected.length)]).toEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
