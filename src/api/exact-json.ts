/**
 * JSON.parse that keeps integers beyond 2^53 exact. Feast's Python client sends int64 entity keys (snowflake ids)
 * as JSON numbers, and JSON.parse rounds those to the nearest double: another entity's key. Node 20 has no
 * reviver `context.source` (it came with V8 11.4, Node 21+), so such literals are found by a small scan and
 * quoted before parsing: they arrive as decimal strings, the form our int64 codecs already read exactly.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Characters that may continue a JSON number literal: digits, `.`, `e`, `E`, `+`, `-`. */
function continuesNumber(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
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
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else {
          i++;
          if (d === QUOTE) break;
        }
      }
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
 * every digit. Every such literal parses to an integer beyond 2^53, so a parsed body without one (nearly all)
 * is returned as it is: walking the parsed values costs a fraction of scanning the text (about 1 us against 9 us
 * for a regex over a 100-entity body), and only the rest are scanned and parsed again.
 */
export function parseExactJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!hasUnsafeInteger(value)) return value;
  const quoted = quoteUnsafeIntegers(text);
  // A float literal beyond 2^53 (`1e20`) is left as it is: it was never exact.
  return quoted === text ? value : JSON.parse(quoted);
}
