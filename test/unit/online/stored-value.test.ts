import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CorruptOnlineValueError, InvalidFeatureValueError } from '../../../src/online/errors.js';
import { encodeRow, formatStoredValue, parseStoredValue, schemaIdOf } from '../../../src/online/stored-value.js';
import type { ViewLayout } from '../../../src/online/types.js';
import { decodeValue } from '../../../src/online/value-codec.js';

const layout: ViewLayout = {
  project: 'fraud',
  view: 'user_stats',
  features: ['clicks', 'avg', 'tags', 'seen', 'blob'],
  dtypes: ['int64', 'float32', 'string[]', 'timestamp', 'bytes'],
  joinKeys: ['user_id', 'country'],
  keyTypes: ['int64', undefined],
  ttlSeconds: 0,
};

describe('stored values', () => {
  it('schema ids are the first 8 hex digits of sha1 of the JSON feature list', () => {
    const expected = createHash('sha1').update('["clicks","avg"]').digest('hex').slice(0, 8);
    expect(schemaIdOf(['clicks', 'avg'])).toBe(expected);
    expect(schemaIdOf(['avg', 'clicks'])).not.toBe(expected);
  });

  it('encodeRow builds the entity key, times and payload, and the stored value parses back', () => {
    const row = encodeRow(
      layout,
      ['12', 'de'],
      new Date('2024-05-01T10:00:00Z'),
      '2024-05-01T10:00:05.000001Z',
      [2n ** 60n, 0.1, ['a', null], new Date(0), new Uint8Array([255])],
    );
    expect(row).toEqual({
      key: 'i12,sde',
      eventMicros: 1714557600000000,
      createdMicros: 1714557605000001,
      payload: '["1152921504606846976",0.1,["a",null],"1970-01-01T00:00:00.000000Z","/w=="]',
    });
    const text = formatStoredValue(row, 'abcd0123');
    expect(text).toBe(`1714557600000000,1714557605000001,abcd0123;${row.payload}`);
    const parsed = parseStoredValue(text);
    expect(parsed).toEqual({ eventMicros: 1714557600000000, createdMicros: 1714557605000001, schemaId: 'abcd0123', payload: row.payload });
    const values = JSON.parse(parsed.payload) as never[];
    expect(values.map((v, i) => decodeValue(v, layout.dtypes[i]))).toEqual([
      2n ** 60n, Math.fround(0.1), ['a', null], { micros: 0n }, new Uint8Array([255]),
    ]);
  });

  it('keeps a missing created time empty, and payload text with commas and semicolons intact', () => {
    const row = encodeRow(layout, [1, 'x'], 5n, null, [null, null, [';,'], null, null]);
    const text = formatStoredValue(row, '00000000');
    expect(text).toBe('5,,00000000;[null,null,[";,"],null,null]');
    expect(parseStoredValue(text)).toMatchObject({ eventMicros: 5, createdMicros: null, payload: '[null,null,[";,"],null,null]' });
  });

  it('accepts pre-epoch times', () => {
    const row = encodeRow(layout, [1, 'x'], new Date('1969-12-31T23:59:59Z'), null, [null, null, null, null, null]);
    expect(parseStoredValue(formatStoredValue(row, 'ab')).eventMicros).toBe(-1_000_000);
  });

  it('refuses rows that do not match the layout', () => {
    expect(() => encodeRow(layout, [1, 'x'], 0n, null, [1])).toThrow(InvalidFeatureValueError);
    expect(() => encodeRow(layout, [1, 'x'], 'not a time', null, [null, null, null, null, null])).toThrow(/event time/);
  });

  it('refuses stored values that are not in our layout', () => {
    for (const text of ['', 'hello', '1,2;[]', 'a,,ab;[]', '1,,AB;[]']) {
      expect(() => parseStoredValue(text)).toThrow(CorruptOnlineValueError);
    }
  });
});
