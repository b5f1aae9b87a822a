/**
 * One feature's running merge over a window's tile states, fed one tile at a time (tile-window.ts feeds them newest
 * first and reads value() as it passes each window's first tile, so one pass serves every window). Each fold does
 * what mergeTileStates does to the state merged so far and the next tile's, in that argument order, with the first
 * tile's state taken as it is (so -0, NaN and the float rounding of sums come out as from mergeTileStates), without
 * an object per tile; value() is finalizeTileState of the merged state (undefined before any tile).
 */
import { finalizeTileState, mergeTileStates, parseTileState, type FeatureValue, type TileKind, type TileState } from './tile-codec.js';
import { RangeSet } from './range-set.js';
import { readStateNumbersAt } from './tile-scan.js';

export interface TileFold {
  /** Folds the next tile's state: text[from, to) (tile-scan.ts: the tile hash's text, not sliced per state). */
  add(text: string, from: number, to: number): void;
  value(): FeatureValue;
}

/** Scratch for readStateNumbersAt: folds run one add() at a time. */
const parts = new Float64Array(3);

class CountFold implements TileFold {
  private has = false;
  private n = 0;
  add(text: string, from: number, to: number): void {
    readStateNumbersAt('count', text, from, to, parts);
    this.n = this.has ? this.n + (parts[0] as number) : (parts[0] as number);
    this.has = true;
  }
  value(): FeatureValue {
    return finalizeTileState('count', this.has ? { kind: 'count', n: this.n } : undefined);
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
    return finalizeTileState(this.kind, this.has ? { kind: this.kind, n: this.n, s: this.s } : undefined);
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
    return finalizeTileState(this.kind, this.has ? { kind: this.kind, v: this.v } : undefined);
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
    return finalizeTileState('stddev', this.has ? { kind: 'stddev', n: this.n, mean: this.mean, m2: this.m2 } : undefined);
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
