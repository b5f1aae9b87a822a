/**
 * A cheap look at a big /get-online-features body before JSON.parse: how many values its longest `entities`
 * list and its `features` list hold, counted on the raw bytes in slices that yield to the event loop between
 * them. Parsing a 1 MiB body holds the event loop for about 10 ms and building its objects costs memory; a body
 * whose counts are already over the limit is refused without either. The counts are exact for valid JSON; for
 * anything else they mean nothing, and JSON.parse reports the body as invalid afterwards anyway.
 */
import { yieldToEventLoop } from './admission.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** Bytes scanned between two yields: well under a millisecond each. */
const SLICE_BYTES = 64 * 1024;
/** Top-level keys longer than this are no key we count under. */
const MAX_KEY_BYTES = 32;

export interface RequestShape {
  /** Values in the longest list under `entities` (rows of the request). */
  rows: number;
  /** Values in the top-level `features` list (0 when there is none). */
  features: number;
  /** True when the scan stopped early: the counts are lower bounds. */
  partial: boolean;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The shape of `body`. With `stopAbove`, the scan stops as soon as rows x max(1, features) counted so far passes
 * it (the counts returned are then partial, but already over the limit).
 */
export async function scanRequestShape(body: Buffer, stopAbove = Infinity): Promise<RequestShape> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastTopString = '';
  let topKey = '';
  // The list being counted (an entities column at depth 3, or features at depth 2): separators and emptiness.
  let countDepth = 0;
  let commas = 0;
  let empty = true;
  let rows = 0;
  let features = 0;
  for (let i = 0; i < body.length; i++) {
    if (i > 0 && i % SLICE_BYTES === 0) {
      // A column still open counts its separators so far: enough to know the request is too big already.
      if (countDepth === 3 && commas * Math.max(1, features) > stopAbove) return { rows: commas, features, partial: true };
      await yieldToEventLoop();
    }
    const c = body[i] as number;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) {
        inString = false;
        if (depth === 1 && i - stringStart <= MAX_KEY_BYTES) lastTopString = body.toString('latin1', stringStart, i);
      }
      continue;
    }
    if (isSpace(c)) continue;
    if (countDepth > 0 && c !== CLOSE_ARRAY) empty = false;
    if (c === QUOTE) {
      inString = true;
      stringStart = i + 1;
    } else if (c === COLON) {
      if (depth === 1) topKey = lastTopString;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (c === OPEN_ARRAY && ((depth === 3 && topKey === 'entities') || (depth === 2 && topKey === 'features'))) {
        countDepth = depth;
        commas = 0;
        empty = true;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === countDepth) {
        const values = empty ? 0 : commas + 1;
        if (depth === 3) rows = Math.max(rows, values);
        else features = values;
        countDepth = 0;
      }
      depth--;
    } else if (c === COMMA && depth === countDepth) {
      commas++;
    }
  }
  return { rows, features, partial: false };
}
