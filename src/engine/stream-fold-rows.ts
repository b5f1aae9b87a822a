/**
 * What the JavaScript fold of stream partials (stream-fold.ts) keeps per batch and how it writes states: the rows as
 * parallel arrays, and each feature's tile-codec state text made from them.
 */
import { DISTINCT_SEPARATOR, formatNumber, MAX_DISTINCT_PER_TILE, type TileKind } from '../online/tile-codec.js';

/** Text whose JSON is itself in quotes: DuckDB's to_json escapes none of it (no quote, backslash, control or surrogate). */
const PLAIN_TEXT = /^[^"\\\x00-\x1f\ud800-\udfff]*$/;

/**
 * The (entity, tile) rows of one batch as parallel arrays (row r; feature j of row r at r * width + j): a batch
 * makes ~4,500 rows of 5,000 events, and an object, three arrays and a Set per row spent more time in the young
 * generation's collector than in the fold.
 */
export class FoldRows {
  count = 0;
  readonly keyValues: unknown[][] = [];
  readonly tile: Float64Array;
  readonly maxMicros: Float64Array;
  readonly events: Float64Array;
  /** The next row of the same entity (another tile), or -1. */
  readonly next: Int32Array;
  /** Per feature: values counted, their sum, the extreme so far (NaN: none), the distinct values (one, or a Set). */
  readonly n: Float64Array;
  readonly s: Float64Array;
  readonly v: Float64Array;
  readonly d: Array<number | string | Set<number | string> | undefined>;

  /** Room for `capacity` rows (a batch's events: each makes one row at most). */
  constructor(width: number, capacity: number) {
    this.tile = new Float64Array(capacity);
    this.maxMicros = new Float64Array(capacity);
    this.events = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.n = new Float64Array(capacity * width);
    this.s = new Float64Array(capacity * width);
    this.v = new Float64Array(capacity * width).fill(NaN);
    this.d = new Array<number | string | Set<number | string> | undefined>(capacity * width);
  }

  add(keyValues: unknown[], tile: number, micros: number): number {
    const r = this.count++;
    this.keyValues.push(keyValues);
    this.tile[r] = tile;
    this.maxMicros[r] = micros;
    this.next[r] = -1;
    return r;
  }
}

/** A distinct value's JSON text as DuckDB's to_json writes it, or undefined when it would escape something. */
function jsonText(value: number | string): string | undefined {
  if (typeof value === 'number') return String(value);
  return PLAIN_TEXT.test(value) ? `"${value}"` : undefined;
}

/** The state texts of folded rows (tile-codec), counting the count_distinct values dropped beyond the cap. */
export class StateTexts {
  overflow = 0;
  // A row's numbers repeat (a sum and an avg of one column; the max of a one-event tile is its sum): formatting a
  // double is the dearest step left, so the last one is kept.
  private lastNumber = NaN;
  private lastText = '';

  private number(x: number): string {
    if (!Object.is(x, this.lastNumber)) {
      this.lastNumber = x;
      this.lastText = formatNumber(x);
    }
    return this.lastText;
  }

  /** Feature state i of `rows` ("" when none), or undefined when a value's JSON text is not DuckDB's. */
  of(rows: FoldRows, i: number, kind: TileKind): string | undefined {
    const n = rows.n[i] as number;
    if (n === 0) return '';
    switch (kind) {
      case 'count':
        return String(n);
      case 'sum':
      case 'avg':
        return `${n},${this.number(rows.s[i] as number)}`;
      case 'min':
      case 'max':
        return this.number(rows.v[i] as number);
      case 'count_distinct': {
        const seen = rows.d[i] as number | string | Set<number | string>;
        if (!(seen instanceof Set)) return jsonText(seen);
        const texts: string[] = [];
        for (const value of seen) {
          if (texts.length === MAX_DISTINCT_PER_TILE) {
            this.overflow++;
            continue;
          }
          const text = jsonText(value);
          if (text === undefined) return undefined;
          texts.push(text);
        }
        return texts.join(DISTINCT_SEPARATOR);
      }
      default:
        return undefined;
    }
  }
}
