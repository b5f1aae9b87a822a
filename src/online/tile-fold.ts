/**
 * One feature's running merge over a window's tile states, fed one tile at a time (tile-window.ts feeds them newest
 * first and reads value() as it passes each window's first tile, so one pass serves every window). Each fold does
 * what mergeTileStates does to the state merged so far and the next tile's, in that argument order, with the first
 * tile's state taken as it is (so -0, NaN and the float rounding of sums come out as from mergeTileStates), without
 * an object per tile; value() is finalizeTileState of the merged state (undefined before any tile).
 */
import { averageOf, finalizeTileState, mergeTileStates, parseTileState, sampleStddevOf, type FeatureValue, type TileKind, type TileState } from './tile-codec.js';
import { RangeSet } from './range-set.js';
import { readStateNumbersAt } from './tile-scan.js';

export interface TileFold {
  /** Folds the next tile's state: text[from, to) (tile-scan.ts: the tile hash's text, not sliced per state). */
  add(text: string, from: number, to: number): void;
  value(): FeatureValue;
  /** Back to no tile folded, for the next feature or read (tile-window.ts keeps one fold per function). */
  reset(): void;
}

/** Scratch for readStateNumbersAt: folds run one add() at a time. */
const parts = new Float64Array(3);

/*
 * value() is finalizeTileState's case of the fold's function written out (a value without a state object per
 * window): count 0 and the others null before any tile, avg null over n = 0, stddev null below 2 values.
 */

class CountFold implements TileFold {
  private has = false;
  private n = 0;
  add(text: string, from: number, to: number): void {
    readStateNumbersAt('count', text, from, to, parts);
    this.n = this.has ? this.n + (parts[0] as number) : (parts[0] as number);
    this.has = true;
  }
  value(): FeatureValue {
    return this.has ? this.n : 0;
  }
  reset(): void {
    this.has = false;
  }
}

class SumFold implements TileFold {
  private has = false;
  private n = 0;
  private s = 0;
  constructor(private readonly kind: 'sum' | 'avg') {}
  add(text: string, from: number, to: number): void {
    readStateNumbersAt(this.kind, text, from, to, parts);
    const n = parts[0] as number;
    const s = parts[1] as number;
    this.n = this.has ? this.n + n : n;
    this.s = this.has ? this.s + s : s;
    this.has = true;
  }
  value(): FeatureValue {
    if (!this.has) return null;
    if (this.kind === 'sum') return this.s;
    return averageOf(this.n, this.s);
  }
  reset(): void {
    this.has = false;
  }
}

class ExtremeFold implements TileFold {
  private has = false;
  private v = 0;
  constructor(private readonly kind: 'min' | 'max') {}
  add(text: string, from: number, to: number): void {
    readStateNumbersAt(this.kind, text, from, to, parts);
    const v = parts[0] as number;
    this.v = !this.has ? v : this.kind === 'min' ? Math.min(this.v, v) : Math.max(this.v, v);
    this.has = true;
  }
  value(): FeatureValue {
    return this.has ? this.v : null;
  }
  reset(): void {
    this.has = false;
  }
}

class StddevFold implements TileFold {
  private has = false;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  add(text: string, from: number, to: number): void {
    readStateNumbersAt('stddev', text, from, to, parts);
    const n = parts[0] as number;
    const mean = parts[1] as number;
    const m2 = parts[2] as number;
    if (!this.has) {
      this.n = n;
      this.mean = mean;
      this.m2 = m2;
      this.has = true;
      return;
    }
    // mergeTileStates' Chan et al. step, operation for operation (a: merged so far, o: this tile).
    const total = this.n + n;
    const d = mean - this.mean;
    const nextMean = this.mean + (d * n) / total;
    this.m2 = this.m2 + m2 + (d * d * this.n * n) / total;
    this.mean = nextMean;
    this.n = total;
  }
  value(): FeatureValue {
    return this.has ? sampleStddevOf(this.n, this.m2) : null;
  }
  reset(): void {
    this.has = false;
  }
}

/** count_distinct over a window is the size of the union of its tiles' values, uncapped (the cap is per tile). */
class DistinctFold implements TileFold {
  private readonly seen = new RangeSet();
  add(text: string, from: number, to: number): void {
    // parseTileState's split(DISTINCT_SEPARATOR), without strings: '' holds no value, 'a\x1f' holds 'a' and ''.
    if (from >= to) return;
    let start = from;
    for (let i = text.indexOf('\x1f', from); i >= 0 && i < to; i = text.indexOf('\x1f', start)) {
      this.seen.add(text, start, i);
      start = i + 1;
    }
    this.seen.add(text, start, to);
  }
  value(): FeatureValue {
    // finalizeTileState: the merged state's value count, 0 without one.
    return this.seen.size;
  }
  reset(): void {
    this.seen.clear();
  }
}

/** `last` keeps the state objects: its merge compares JSON values on ties; it is rare enough not to matter here. */
class LastFold implements TileFold {
  private state: TileState | undefined;
  add(text: string, from: number, to: number): void {
    const state = parseTileState('last', text.slice(from, to));
    this.state = this.state === undefined ? state : mergeTileStates(this.state, state);
  }
  value(): FeatureValue {
    return finalizeTileState('last', this.state);
  }
  reset(): void {
    this.state = undefined;
  }
}

export function tileFold(kind: TileKind): TileFold {
  switch (kind) {
    case 'count':
      return new CountFold();
    case 'sum':
    case 'avg':
      return new SumFold(kind);
    case 'min':
    case 'max':
      return new ExtremeFold(kind);
    case 'stddev':
      return new StddevFold();
    case 'count_distinct':
      return new DistinctFold();
    case 'last':
      return new LastFold();
  }
}
