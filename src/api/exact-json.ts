/**
 * JSON.parse that keeps integers beyond 2^53 exact. Feast's Python client sends int64 entity keys (snowflake ids)
 * as JSON numbers, and JSON.parse rounds those to the nearest double: another entity's key. Node 20 has no
 * reviver `context.source` (it came with V8 11.4, Node 21+), so such literals are found by a small scan and
 * quoted before parsing: they arrive as decimal strings, the form our int64 codecs already read exactly.
 *
 * Python's json.dumps writes float NaN and infinities as bare `NaN`, `Infinity`, `-Infinity`, which strict JSON
 * refuses and Feast's own (Python) server accepts. Text JSON.parse refuses gets a second chance with those three
 * tokens quoted outside strings: they arrive as "NaN", "Infinity", "-Infinity", the form our float values read.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const NON_FINITE = ['NaN', 'Infinity'] as const;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Characters that may continue a JSON number literal: digits, `.`, `e`, `E`, `+`, `-`. */
function continuesNumber(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
}

/** The index just past the string literal whose opening quote is at `start` (or the end of an unclosed one). */
function afterString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === BACKSLASH) i += 2;
    else {
      i++;
      if (d === QUOTE) break;
    }
  }
  return i;
}

/** Characters that may continue a bare word (`NaNa` is not the token `NaN`). */
function continuesWord(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** The bare non-finite token (`NaN`, `Infinity`, `-Infinity`) starting at `i`, if one does. */
function nonFiniteTokenAt(text: string, i: number): string | undefined {
  const sign = text.charCodeAt(i) === MINUS ? '-' : '';
  const word = NON_FINITE.find((w) => text.startsWith(w, i + sign.length));
  // -NaN is no token Python writes: left as it is, so it stays invalid.
  if (word === undefined || (sign && word === 'NaN')) return undefined;
  const end = i + sign.length + word.length;
  return end < text.length && continuesWord(text.charCodeAt(end)) ? undefined : sign + word;
}

/**
 * `text` with every bare `NaN`, `Infinity` and `-Infinity` outside strings wrapped in quotes; everything else,
 * strings included, is left byte for byte.
 */
export function quoteNonFiniteTokens(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i);
      continue;
    }
    const token = c === MINUS || c === 0x4e || c === 0x49 ? nonFiniteTokenAt(text, i) : undefined;
    if (token === undefined) {
      i++;
      continue;
    }
    out += `${text.slice(copied, i)}"${token}"`;
    i += token.length;
    copied = i;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** A JSON integer literal (no fraction, no exponent) whose value is beyond Number.MAX_SAFE_INTEGER. */
export function isUnsafeIntegerLiteral(literal: string): boolean {
  const digits = literal.charCodeAt(0) === MINUS ? literal.slice(1) : literal;
  if (digits.length < MAX_SAFE_DIGITS.length || digits.charCodeAt(0) === 0x30) return false;
  for (let i = 0; i < digits.length; i++) if (!isDigit(digits.charCodeAt(i))) return false;
  return digits.length > MAX_SAFE_DIGITS.length || digits > MAX_SAFE_DIGITS;
}

/**
 * `text` with every integer literal beyond 2^53 outside strings wrapped in quotes (`12345678901234567890` ->
 * `"12345678901234567890"`); everything else, strings included, is left byte for byte. Text that is not JSON
 * stays not JSON, so JSON.parse still reports it.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i);
    } else if (c === MINUS || isDigit(c)) {
      const start = i;
      i++;
      while (i < n && continuesNumber(text.charCodeAt(i))) i++;
      const literal = text.slice(start, i);
      if (isUnsafeIntegerLiteral(literal)) {
        out += `${text.slice(copied, start)}"${literal}"`;
        copied = i;
      }
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Whether a parsed value holds a number that is an integer beyond 2^53: the trace a rounded literal leaves. */
export function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return (value > MAX_SAFE || value < -MAX_SAFE) && Number.isInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasUnsafeInteger(value[i])) return true;
    return false;
  }
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Parses JSON text like JSON.parse, except that integer literals beyond 2^53 come back as decimal strings with
 * every digit, and that bare NaN / Infinity / -Infinity (Python's json.dumps) come back as those strings. Every
 * unsafe integer literal parses to an integer beyond 2^53, so a parsed body without one (nearly all) is
 * returned as it is: walking the parsed values costs a fraction of scanning the text (about 1 us against 9 us for
 * a regex over a 100-entity body), and only the rest are scanned and parsed again.
 */
export function parseExactJson(input: string): unknown {
  let text = input;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Only text JSON.parse refused pays for this scan; a body still invalid reports the original error.
    const quoted = quoteNonFiniteTokens(text);
    if (quoted === text) throw err;
    try {
      value = JSON.parse(quoted);
    } catch {
      throw err;
    }
    text = quoted;
  }
  if (!hasUnsafeInteger(value)) return value;
  const quoted = quoteUnsafeIntegers(text);
  // A float literal beyond 2^53 (`1e20`) is left as it is: it was never exact.
  return quoted === text ? value : JSON.parse(quoted);
}
