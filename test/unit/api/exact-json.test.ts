import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/api/body.js';
import { hasUnsafeInteger, isUnsafeIntegerLiteral, parseExactJson, quoteNonFiniteTokens, quoteUnsafeIntegers } from '../../../src/api/exact-json.js';
import { rng } from '../../helpers/prng.js';

describe('exact JSON parsing', () => {
  it('keeps every digit of an int64 entity key beyond 2^53, as Feast sends snowflake ids', () => {
    const body = Buffer.from('{"entities":{"user_id":[1152921504606846977,-9223372036854775808,7]},"features":["v:f"]}');
    expect(parseJson(body)).toEqual({
      entities: { user_id: ['1152921504606846977', '-9223372036854775808', 7] },
      features: ['v:f'],
    });
  });

  it('leaves safe integers, floats and exponents as numbers', () => {
    expect(parseExactJson('[9007199254740991,-9007199254740991,1234567890123456.5,12345678901234567e2,1e20]')).toEqual([
      9007199254740991, -9007199254740991, 1234567890123456.5, 12345678901234567e2, 1e20,
    ]);
  });

  it('draws the line exactly at Number.MAX_SAFE_INTEGER', () => {
    expect(isUnsafeIntegerLiteral('9007199254740991')).toBe(false);
    expect(isUnsafeIntegerLiteral('9007199254740992')).toBe(true);
    expect(isUnsafeIntegerLiteral('-9007199254740992')).toBe(true);
    expect(isUnsafeIntegerLiteral('10000000000000000')).toBe(true);
    expect(isUnsafeIntegerLiteral('1000000000000000')).toBe(false);
    expect(isUnsafeIntegerLiteral('90071992547409920.0')).toBe(false);
  });

  it('never touches digits inside strings, escaped quotes included', () => {
    const text = '{"id":"12345678901234567890","s":"a\\"12345678901234567890\\\\","n":12345678901234567890}';
    expect(parseExactJson(text)).toEqual({ id: '12345678901234567890', s: 'a"12345678901234567890\\', n: '12345678901234567890' });
  });

  it('reports malformed text as JSON.parse does', () => {
    const text = '{"n":12345678901234567890,}';
    let expected = '';
    try {
      JSON.parse(text);
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(() => parseExactJson(text)).toThrow(expected);
    expect(() => parseJson(Buffer.from(text))).toThrow(/request body is not valid JSON/);
  });

  it('gives the same result as JSON.parse for any document, except big integers kept as strings', () => {
    const random = rng(20240501);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const leaf = (): { json: string; value: unknown } => {
      const kind = pick(['big', 'safe', 'float', 'string', 'digits-string', 'literal']);
      if (kind === 'big') {
        const digits = `${1 + Math.floor(random() * 9)}${Array.from({ length: 16 + Math.floor(random() * 3) }, () => Math.floor(random() * 10)).join('')}`;
        const text = random() < 0.5 ? `-${digits}` : digits;
        return { json: text, value: text };
      }
      if (kind === 'safe') {
        const n = Math.floor((random() - 0.5) * Number.MAX_SAFE_INTEGER);
        return { json: String(n), value: n };
      }
      if (kind === 'float') {
        // Fractions and exponents only: a double beyond 2^53 prints as an integer literal, which is quoted on purpose.
        const n = random() < 0.5 ? (random() - 0.5) * 1e6 : (random() + 0.1) * 1e300;
        return { json: JSON.stringify(n), value: n };
      }
      if (kind === 'string' || kind === 'digits-string') {
        const s = kind === 'string' ? pick(['', 'a"b', '\\', '\u00e9\n', '12345678901234567890\\"']) : '98765432109876543210';
        return { json: JSON.stringify(s), value: s };
      }
      const v = pick([true, false, null]);
      return { json: JSON.stringify(v), value: v };
    };
    const node = (depth: number): { json: string; value: unknown } => {
      if (depth === 0 || random() < 0.3) return leaf();
      const items = Array.from({ length: Math.floor(random() * 4) }, () => node(depth - 1));
      if (random() < 0.5) return { json: ` [ ${items.map((i) => i.json).join(' ,\n')} ] `, value: items.map((i) => i.value) };
      const keys = items.map((_, i) => `k${i}"${i}`);
      return {
        json: `{${items.map((item, i) => `${JSON.stringify(keys[i])}:${item.json}`).join(',')}}`,
        value: Object.fromEntries(items.map((item, i) => [keys[i], item.value])),
      };
    };
    for (let run = 0; run < 500; run++) {
      const doc = node(4);
      expect(parseExactJson(doc.json), doc.json).toEqual(doc.value);
    }
  });

  it('finds integers beyond 2^53 anywhere in a parsed value, and nothing else', () => {
    expect(hasUnsafeInteger({ a: [1, { b: 2 ** 60 }] })).toBe(true);
    expect(hasUnsafeInteger([-(2 ** 53)])).toBe(true);
    expect(hasUnsafeInteger({ a: [1, 2.5, Number.MAX_SAFE_INTEGER, '12345678901234567890', null, true] })).toBe(false);
    expect(hasUnsafeInteger(Number.NaN)).toBe(false);
  });

  it('returns the text untouched when nothing needs quoting', () => {
    const text = '{"ids":["12345678901234567890"],"n":[1,2.5e300]}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });
});

describe("Python's bare NaN and Infinity tokens", () => {
  it('reads them as the strings our float values accept, as Python json.dumps writes a push body', () => {
    // json.dumps({"df": {"a": [float("nan"), float("inf"), -float("inf"), 1.5], "l": [[1.0, float("nan")]]}})
    const body = Buffer.from('{"df": {"a": [NaN, Infinity, -Infinity, 1.5], "l": [[1.0, NaN]]}, "to": "online"}');
    expect(parseJson(body)).toEqual({ df: { a: ['NaN', 'Infinity', '-Infinity', 1.5], l: [[1, 'NaN']] }, to: 'online' });
  });

  it('keeps big integers exact in the same body', () => {
    expect(parseExactJson('{"user_id":[1152921504606846977],"x":[NaN]}')).toEqual({ user_id: ['1152921504606846977'], x: ['NaN'] });
  });

  it('leaves the tokens inside strings, and strings that spell them, alone', () => {
    const text = '{"NaN":"Infinity -Infinity NaN","s":"a\\"NaN","v":NaN}';
    expect(quoteNonFiniteTokens(text)).toBe('{"NaN":"Infinity -Infinity NaN","s":"a\\"NaN","v":"NaN"}');
    expect(parseExactJson(text)).toEqual({ NaN: 'Infinity -Infinity NaN', s: 'a"NaN', v: 'NaN' });
  });

  it('quotes only whole tokens: NaNa, Infinity2, -NaN and nan stay invalid, with the error JSON.parse gave', () => {
    for (const text of ['[NaNa]', '[Infinity2]', '[-NaN]', '[nan]', '[inf]', '{"a":NaN,}']) {
      let expected = '';
      try {
        JSON.parse(text);
      } catch (err) {
        expected = (err as Error).message;
      }
      expect(expected, text).not.toBe('');
      expect(() => parseExactJson(text), text).toThrow(expected);
      expect(() => parseJson(Buffer.from(text)), text).toThrow(/request body is not valid JSON/);
    }
  });

  it('is a fallback only: valid JSON never goes through the token scan', () => {
    expect(parseExactJson('{"a":"NaN","b":[1,-2.5e3]}')).toEqual({ a: 'NaN', b: [1, -2500] });
    expect(quoteNonFiniteTokens('[1,-2,true,null]')).toBe('[1,-2,true,null]');
  });
});
