import { describe, expect, it } from 'vitest';
import type { Dtype } from '../../../src/registry/dtypes.js';
import { InvalidFeatureValueError } from '../../../src/online/errors.js';
import { formatMicros, parseIsoMicros } from '../../../src/online/timestamp.js';
import type { JsonValue } from '../../../src/online/types.js';
import { decodeValue, encodeValue, type DecodedValue } from '../../../src/online/value-codec.js';

/** Encodes, sends through JSON text (as Redis and HTTP do), decodes. */
function roundTrip(value: unknown, dtype: Dtype): { json: JsonValue; back: DecodedValue } {
  const json = encodeValue(value, dtype);
  const back = decodeValue(JSON.parse(JSON.stringify(json)) as JsonValue, dtype);
  return { json, back };
}

const ts = (iso: string): { micros: bigint } => ({ micros: parseIsoMicros(iso) as bigint });

// [dtype, typed input, expected JSON form, expected decoded value]
const CASES: Array<[Dtype, unknown, JsonValue, DecodedValue]> = [
  ['int32', 12, 12, 12],
  ['int32', -2147483648, -2147483648, -2147483648],
  ['int64', 42n, 42, 42n],
  ['int64', 9007199254740991n, 9007199254740991, 9007199254740991n],
  ['int64', 9007199254740992n, '9007199254740992', 9007199254740992n],
  ['int64', -9007199254740993n, '-9007199254740993', -9007199254740993n],
  ['int64', 9223372036854775807n, '9223372036854775807', 9223372036854775807n],
  ['int64', -9223372036854775808n, '-9223372036854775808', -9223372036854775808n],
  ['float64', 0.1, 0.1, 0.1],
  ['float64', -1e300, -1e300, -1e300],
  ['float64', NaN, 'NaN', NaN],
  ['float64', Infinity, 'Infinity', Infinity],
  ['float64', -Infinity, '-Infinity', -Infinity],
  ['float32', 0.1, 0.1, Math.fround(0.1)],
  ['float32', Math.fround(3.4028234663852886e38), 3.4028235e38, Math.fround(3.4028234663852886e38)],
  ['float32', NaN, 'NaN', NaN],
  ['string', 'héllo 👋 "quoted" \\ ,;{}', 'héllo 👋 "quoted" \\ ,;{}', 'héllo 👋 "quoted" \\ ,;{}'],
  ['string', '', '', ''],
  ['bool', true, true, true],
  ['bool', false, false, false],
  ['timestamp', new Date('2024-05-01T10:00:00Z'), '2024-05-01T10:00:00.000000Z', ts('2024-05-01T10:00:00Z')],
  ['timestamp', 1714557600000001n, '2024-05-01T10:00:00.000001Z', { micros: 1714557600000001n }],
  ['timestamp', '2024-05-01T12:00:00.123456789+02:00', '2024-05-01T10:00:00.123456Z', ts('2024-05-01T10:00:00.123456Z')],
  ['timestamp', { micros: -1n }, '1969-12-31T23:59:59.999999Z', { micros: -1n }],
  ['bytes', new Uint8Array([0, 1, 254, 255]), 'AAH+/w==', new Uint8Array([0, 1, 254, 255])],
  ['bytes', new Uint8Array([]), '', new Uint8Array([])],
  ['float32[]', [0.1, null, 2.5, NaN], [0.1, null, 2.5, 'NaN'], [Math.fround(0.1), null, 2.5, NaN]],
  ['int64[]', [1n, null, 2n ** 60n], [1, null, '1152921504606846976'], [1n, null, 2n ** 60n]],
  ['string[]', ['a', null, 'ü'], ['a', null, 'ü'], ['a', null, 'ü']],
  ['bytes[]', [new Uint8Array([1]), null], ['AQ==', null], [new Uint8Array([1]), null]],
  ['timestamp[]', [null, new Date(0)], [null, '1970-01-01T00:00:00.000000Z'], [null, { micros: 0n }]],
  ['bool[]', [], [], []],
  ['int32[]', [null, null], [null, null], [null, null]],
  ['float64[]', [1.5, -Infinity], [1.5, '-Infinity'], [1.5, -Infinity]],
];

describe('value codec', () => {
  it.each(CASES)('round-trips %s %#', (dtype, input, json, decoded) => {
    const result = roundTrip(input, dtype);
    expect(result.json).toEqual(json);
    expect(result.back).toEqual(decoded);
  });

  it('keeps null as null for every dtype, scalar and list', () => {
    for (const dtype of ['int32', 'int64', 'float32', 'float64', 'string', 'bool', 'timestamp', 'bytes', 'int64[]'] as const) {
      expect(roundTrip(null, dtype)).toEqual({ json: null, back: null });
    }
  });

  it('accepts int64 as safe numbers and decimal strings too', () => {
    expect(encodeValue(12, 'int64')).toBe(12);
    expect(encodeValue('007', 'int64')).toBe(7);
    expect(encodeValue('1234567890123456789', 'int64')).toBe('1234567890123456789');
    expect(() => encodeValue('12345678901234567890', 'int64')).toThrow(/not a valid int64/); // beyond 2^63
  });

  it('infers the JSON form when the dtype is unknown (aggregation columns)', () => {
    expect(encodeValue(3, undefined)).toBe(3);
    expect(encodeValue(2n ** 60n, undefined)).toBe('1152921504606846976');
    expect(encodeValue(NaN, undefined)).toBe('NaN');
    expect(encodeValue([1, null, 'a'], undefined)).toEqual([1, null, 'a']);
    expect(encodeValue(new Date(0), undefined)).toBe('1970-01-01T00:00:00.000000Z');
    expect(decodeValue([1, 'x'], undefined)).toEqual([1, 'x']);
  });

  it('rejects values that do not fit, naming where', () => {
    expect(() => encodeValue('abc', 'int64', 'v.clicks')).toThrow(/^v\.clicks: "abc" is not a valid int64$/);
    expect(() => encodeValue(2 ** 31, 'int32')).toThrow(InvalidFeatureValueError);
    expect(() => encodeValue(2 ** 60, 'int64')).toThrow(/not a valid int64/);
    expect(() => encodeValue(1, 'string')).toThrow(InvalidFeatureValueError);
    expect(() => encodeValue(1714557600000, 'timestamp')).toThrow(/not a valid timestamp/);
    expect(() => encodeValue([1, 'x'], 'int32[]', 'v.l')).toThrow(/^v\.l\[1\]:/);
    expect(() => encodeValue(1, 'int32[]')).toThrow(InvalidFeatureValueError);
    expect(() => decodeValue('x', 'int64')).toThrow(InvalidFeatureValueError);
    expect(() => decodeValue('2024-13-01T00:00:00Z', 'timestamp')).toThrow(InvalidFeatureValueError);
  });
});

describe('timestamps', () => {
  it('format with six fractional digits in UTC, before and after the epoch', () => {
    expect(formatMicros(0n)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatMicros(-1_500_000n)).toBe('1969-12-31T23:59:58.500000Z');
    expect(formatMicros(253402300799999999n)).toBe('9999-12-31T23:59:59.999999Z');
  });

  it('parse ISO text with or without zone and fraction, refusing impossible dates', () => {
    expect(parseIsoMicros('2024-05-01')).toBe(1714521600000000n);
    expect(parseIsoMicros('2024-05-01 10:00:00')).toBe(1714557600000000n);
    expect(parseIsoMicros('2024-05-01T10:00:00-0130')).toBe(1714557600000000n + 5_400_000_000n);
    expect(parseIsoMicros('0050-01-01T00:00:00Z')).toBe(-60589296000000000n);
    expect(parseIsoMicros('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(parseIsoMicros('2024-05-01T24:00:00Z')).toBeUndefined();
    expect(parseIsoMicros('yesterday')).toBeUndefined();
  });
});
