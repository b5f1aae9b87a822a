import { describe, expect, it } from 'vitest';
import { InvalidEntityKeyError } from '../../../src/online/errors.js';
import { checkEntityKeys, encodeEntityKey, keySlot, rowKey, schemaKey, watermarksKey } from '../../../src/online/keys.js';

const enc = (values: unknown[], types: (Parameters<typeof encodeEntityKey>[1][number])[] = [], names?: string[]): string =>
  encodeEntityKey(values, types.length ? types : values.map(() => undefined), names ?? values.map((_, i) => `k${i}`));

describe('Redis key names', () => {
  it('follow the documented layout', () => {
    expect(rowKey('ff', 'fraud', 'user_stats', 'i42')).toBe('ff:fraud:{i42}:user_stats');
    expect(schemaKey('ff', 'fraud', 'user_stats', 'abcd0123')).toBe('ff:fraud:__schema:user_stats:abcd0123');
    expect(watermarksKey('ff', 'fraud')).toBe('ff:fraud:__materialized');
  });

  it('put every view of one entity key in one cluster slot', () => {
    for (const entityKey of ['i1', 'i42,sabc', 'h2c7d', 'b1', 't1714557600000000', 'x00ff']) {
      const slots = new Set(['a', 'user_stats', 'merchant_stats', 'v9'].map((view) => keySlot(rowKey('ff', 'p', view, entityKey))));
      expect(slots.size).toBe(1);
      expect(keySlot(rowKey('ff', 'p', 'a', entityKey))).toBe(keySlot(`{${entityKey}}`));
    }
  });

  it('spread different entity keys over many slots', () => {
    const slots = new Set(Array.from({ length: 1000 }, (_, i) => keySlot(rowKey('ff', 'p', 'v', `i${i}`))));
    expect(slots.size).toBeGreaterThan(900);
  });

  it('refuses full Redis keys where an entity key belongs', () => {
    expect(() => checkEntityKeys([{ key: 'i1' }, { key: 'i1,sx' }])).not.toThrow();
    expect(() => checkEntityKeys([{ key: 'ff:p:{i1}:v' }])).toThrow(/encoded entity key/);
  });
});

describe('entity key encoding', () => {
  it('encodes each kind as documented', () => {
    expect(enc([42])).toBe('i42');
    expect(enc([-7n])).toBe('i-7');
    expect(enc(['abc_1.2-x'])).toBe('sabc_1.2-x');
    expect(enc(['a b'])).toBe('h612062');
    expect(enc(['é'])).toBe('hc3a9');
    expect(enc([''])).toBe('s');
    expect(enc([true, false])).toBe('b1,b0');
    expect(enc([1.5])).toBe('f1.5');
    expect(enc([new Date('2024-05-01T10:00:00Z')])).toBe('t1714557600000000');
    expect(enc([new Uint8Array([0, 255, 16])])).toBe('x00ff10');
  });

  it('coerces to the declared type the way Feast does', () => {
    expect(enc(['12'], ['int64'])).toBe('i12');
    expect(enc(['007'], ['int64'])).toBe('i7');
    expect(enc(['9223372036854775807'], ['int64'])).toBe('i9223372036854775807');
    expect(enc([9007199254740991n], ['int64'])).toBe('i9007199254740991');
    expect(enc([12], ['int32'])).toBe('i12');
    expect(enc(['2024-05-01T10:00:00.000001Z'], ['timestamp'])).toBe('t1714557600000001');
    expect(enc([1714557600000001n], ['timestamp'])).toBe('t1714557600000001');
    expect(enc(['AP8Q'], ['bytes'])).toBe('x00ff10');
    expect(enc([0.1], ['float32'])).toBe('f0.1');
    expect(enc([0.1], ['float64'])).toBe('f0.1');
  });

  it('names the field and the row of a value that does not fit', () => {
    const check = (value: unknown, dtype: Parameters<typeof encodeEntityKey>[1][number], message: RegExp): void => {
      let error: unknown;
      try {
        encodeEntityKey([1, value], [undefined, dtype], ['a', 'user_id'], 1);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidEntityKeyError);
      expect((error as InvalidEntityKeyError).code).toBe('INVALID_ENTITY_KEY');
      expect((error as Error).message).toMatch(message);
    };
    check('abc', 'int64', /^entities\.user_id\[1\]: "abc" is not an int64$/);
    check(1.5, 'int64', /"?1\.5"? is not an int64/);
    check(2 ** 31, 'int32', /is not an int32/);
    check('9223372036854775808', 'int64', /is not an int64/);
    check(12345678901234567890, 'int64', /beyond 2\^53/);
    check(12345678901234567890, undefined, /beyond 2\^53/);
    check(12, 'string', /12 is not a string/);
    check('true', 'bool', /is not a bool/);
    check(null, 'int64', /is missing/);
    check(undefined, undefined, /is missing/);
    check({}, undefined, /cannot be an entity key/);
    check(NaN, 'float64', /NaN is not a float64/);
    check('not base64!', 'bytes', /is not a bytes/);
    check([1], 'int64[]', /lists/);
  });

  it('refuses a value count that does not match the join keys', () => {
    expect(() => encodeEntityKey([1], [undefined, undefined], ['a', 'b'])).toThrow(InvalidEntityKeyError);
  });

  it('never lets two different composite keys collide', () => {
    const cases: unknown[][] = [
      ['a:b', 'c'], ['a', 'b:c'], ['a,b'], ['a', 'b'], [1], ['1'], [true], ['b1'], ['i1'], [1.5], ['1.5'],
      ['a}b'], ['a{b'], ['}'], [''], ['', ''], [' '], ['s'], ['h'], [new Uint8Array([97])], ['a'], ['é'], ['e'],
      [0], [-0.5], ['-0.5'], [new Date(0)], ['1970-01-01T00:00:00Z'], ['x61'], [false], ['0'],
    ];
    const encoded = cases.map((values) => enc(values));
    expect(new Set(encoded).size).toBe(cases.length);
    for (const key of encoded) expect(key).not.toMatch(/[{}]/);
    // And the Redis keys are distinct and keep the hash tag intact.
    const keys = encoded.map((k) => rowKey('ff', 'p', 'v', k));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives the same key for the same value however it arrives', () => {
    expect(enc([12], ['int64'])).toBe(enc(['12'], ['int64']));
    expect(enc([12n], ['int64'])).toBe(enc([12], ['int64']));
    expect(enc([new Date('2024-05-01T10:00:00Z')], ['timestamp'])).toBe(enc(['2024-05-01T12:00:00+02:00'], ['timestamp']));
  });
});
