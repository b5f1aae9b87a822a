/**
 * Read side: an entity's tile hash as the one text stream-tiles-text.lua returns (fields and values alternating,
 * joined by "\x1e"), scanned in place. A read keeps only where each wanted state starts and ends in that text
 * (ScannedStates), and the folds (tile-fold.ts) read numbers and distinct values straight from it: splitting every
 * tile into its feature states and every state into parts made ~20 strings per tile, the bulk of a read's garbage,
 * and the GC pauses it brought were the serving p99. The states found, the tiles left out and the errors are those
 * of splitting the text (tile-codec splitTileStates), the numbers those of readStateNumbers.
 */
import { tileWidthError, readStateNumbers, type NumericTileKind } from './tile-codec.js';

/** The tiles a read at one instant folds: `last` down to `earliest` (none when earliest > last). */
export interface TileSpan {
  atMicros: number;
  last: number;
  earliest: number;
}

/**
 * The selected features' states of the span's tiles, newest tile first: the state of the selection's feature at column
 * c in tile t is text.slice(ranges[2k], ranges[2k + 1]) with k = (span.last - t) * features + c, none when ranges[2k]
 * is -1 (no field for the tile, or an empty state: a tile without a qualifying value).
 */
export interface ScannedStates {
  text: string;
  ranges: Int32Array;
}

/** The length of the ranges a scan of the span for the `selected` features fills. */
export function scannedSize(selected: readonly number[], span: TileSpan): number {
  return Math.max(0, span.last - span.earliest + 1) * selected.length * 2;
}

/** The number a run of ASCII digits spells (Number() of it), NaN for an empty run or any other character. */
function digits(text: string, from: number, to: number): number {
  if (from >= to) return NaN;
  // Beyond 2^53 a digit-by-digit sum would round otherwise than Number() does.
  const long = to - from > 15;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    n = n * 10 + (c - 48);
  }
  return long ? Number(text.slice(from, to)) : n;
}

/** The tile a tile field names (`<tile>`, -?\d+), NaN for any other field. */
function tileOfField(text: string, from: number, to: number): number {
  const negative = from < to && text.charCodeAt(from) === 45;
  const tile = digits(text, negative ? from + 1 : from, to);
  return negative ? -tile : tile;
}

/**
 * Scans `text` (fields and values joined by "\x1e", '' for an empty hash) for the `selected` features' states
 * (ascending, into the view's `features`) of the span's tiles. Fields naming no tile, tiles outside the span and the
 * unselected features are skipped; a tile in the span holding another number of states than `features` throws.
 * `into`, when at least scannedSize() long, is filled instead of a new array (serving reuses one per process).
 */
export function scanTileStates(text: string, features: number, selected: readonly number[], span: TileSpan, into?: Int32Array): ScannedStates {
  const width = selected.length;
  const size = scannedSize(selected, span);
  const ranges = into && into.length >= size ? into.fill(-1, 0, size) : new Int32Array(size).fill(-1);
  const end = text.length;
  let at = 0;
  while (at < end) {
    const fieldEnd = text.indexOf('\x1e', at);
    // A field without a value (never written): as the pairs of the split text, it is no pair.
    if (fieldEnd < 0) break;
    let valueEnd = text.indexOf('\x1e', fieldEnd + 1);
    if (valueEnd < 0) valueEnd = end;
    const tile = tileOfField(text, at, fieldEnd);
    if (tile <= span.last && tile >= span.earliest) placeStates(text, fieldEnd + 1, valueEnd, features, selected, ranges, (span.last - tile) * width * 2);
    at = valueEnd + 1;
  }
  return { text, ranges };
}

/** One tile's value text[from, to): the selected states' ranges from ranges[base] on. */
function placeStates(text: string, from: number, to: number, features: number, selected: readonly number[], ranges: Int32Array, base: number): void {
  let f = 0;
  let column = 0;
  let wanted = selected[0] ?? -1;
  let start = from;
  for (;;) {
    let end = text.indexOf('\x1c', start);
    if (end < 0 || end > to) end = to;
    if (f === wanted) {
      if (end > start) {
        ranges[base + 2 * column] = start;
        ranges[base + 2 * column + 1] = end;
      }
      column++;
      wanted = selected[column] ?? -1;
    }
    f++;
    if (end === to) break;
    start = end + 1;
  }
  if (f !== features) throw tileWidthError(f, features);
}

const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Reads -?\d+(\.\d+)? of at most 15 digits from text[at] on (before `to`) into out[index] (a typed array: a module
 * variable holding a fraction is a new heap number per store, ~1 KB of garbage per read); returns where it ends, or -1
 * for any other text. The digits then spell an integer m < 2^53 and the number is m / 10^k with both exact doubles, so
 * the one division rounds it correctly: the double Number() reads from the same text, bit for bit (-0 included).
 */
function scanDecimal(text: string, at: number, to: number, out: Float64Array, index: number): number {
  let i = at;
  const negative = i < to && text.charCodeAt(i) === 45;
  if (negative) i++;
  const first = i;
  let m = 0;
  let c = 0;
  for (; i < to && (c = text.charCodeAt(i)) >= 48 && c <= 57; i++) m = m * 10 + (c - 48);
  if (i === first) return -1;
  let scale = 0;
  if (i < to && c === 46) {
    const fraction = ++i;
    for (; i < to && (c = text.charCodeAt(i)) >= 48 && c <= 57; i++) m = m * 10 + (c - 48);
    scale = i - fraction;
    if (scale === 0) return -1;
  }
  if (i - first - (scale > 0 ? 1 : 0) > 15) return -1;
  const x = scale === 0 ? m : m / (POWERS[scale] as number);
  out[index] = negative ? -x : x;
  return i;
}

/**
 * readStateNumbers of the state text[from, to), without slicing it when its parts are plain decimals (what TS writes
 * for counts and most sums); any other text (exponents, long digits, Lua's inf/nan, corrupt) is sliced and read by
 * readStateNumbers, so the numbers and errors are its own.
 */
export function readStateNumbersAt(kind: NumericTileKind, text: string, from: number, to: number, out: Float64Array): void {
  const count = kind === 'stddev' ? 3 : kind === 'sum' || kind === 'avg' ? 2 : 1;
  let at = from;
  for (let i = 0; i < count; i++) {
    const end = scanDecimal(text, at, to, out, i);
    const last = i === count - 1;
    if (end < 0 || (last ? end !== to : end >= to || text.charCodeAt(end) !== 44)) {
      readStateNumbers(kind, text.slice(from, to), out);
      return;
    }
    at = end + 1;
  }
}
