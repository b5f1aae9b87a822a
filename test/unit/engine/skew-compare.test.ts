import { describe, expect, it } from 'vitest';
import { smapeTerm, valuesMatch } from '../../../src/engine/skew-compare.js';

describe('smapeTerm', () => {
  it('is 0 for equal values, including both zero', () => {
    expect(smapeTerm(5, 5)).toBe(0);
    expect(smapeTerm(0, 0)).toBe(0);
  });

  it('is |a - b| over the mean magnitude, symmetric in its arguments', () => {
    expect(smapeTerm(100, 110)).toBeCloseTo(10 / 105, 12);
    expect(smapeTerm(110, 100)).toBeCloseTo(10 / 105, 12);
    expect(smapeTerm(-1, -3)).toBeCloseTo(2 / 2, 12);
  });

  it('reaches 2 when one side is zero or the signs are opposite', () => {
    expect(smapeTerm(0, 7)).toBe(2);
    expect(smapeTerm(3, -3)).toBe(2);
  });

  it('is undefined for non-finite numbers, which have no meaningful distance', () => {
    expect(smapeTerm(Number.NaN, 1)).toBeUndefined();
    expect(smapeTerm(Number.POSITIVE_INFINITY, 2)).toBeUndefined();
  });
});

describe('valuesMatch', () => {
  it('matches numbers within the relative tolerance only', () => {
    expect(valuesMatch(1.0000001, 1, 1e-6)).toBe(true);
    expect(valuesMatch(1.01, 1, 1e-6)).toBe(false);
    expect(valuesMatch(0, 0)).toBe(true);
    expect(valuesMatch('NaN', Number.NaN)).toBe(true);
  });

  it('compares int64 served as numbers or as digits with bigints', () => {
    expect(valuesMatch(3, 3n)).toBe(true);
    expect(valuesMatch('9007199254740993', 9007199254740993n)).toBe(true);
    expect(valuesMatch('9007199254740993', 9007199254740992n)).toBe(false);
  });

  it('treats null and a value as a mismatch, and two nulls as a match', () => {
    expect(valuesMatch(null, 1)).toBe(false);
    expect(valuesMatch(1, null)).toBe(false);
    expect(valuesMatch(null, undefined)).toBe(true);
  });

  it('compares timestamps, bytes and lists in their served forms', () => {
    expect(valuesMatch('2024-05-01T10:00:00.000000Z', new Date('2024-05-01T10:00:00Z'))).toBe(true);
    expect(valuesMatch('AQI=', new Uint8Array([1, 2]))).toBe(true);
    expect(valuesMatch(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(valuesMatch(['a'], ['a', 'b'])).toBe(false);
    expect(valuesMatch('FR', 'DE')).toBe(false);
  });
});
