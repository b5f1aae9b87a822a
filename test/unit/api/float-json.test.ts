import { describe, expect, it } from 'vitest';
import { floatColumnJson } from '../../../src/api/float-json.js';

describe('float column JSON', () => {
  it('writes whole numbers with .0 so Python reads floats, in scalars and lists', () => {
    expect(floatColumnJson([3, 0.5, null, -2, 0])).toBe('[3.0,0.5,null,-2.0,0.0]');
    expect(floatColumnJson([[0.5, 3], null, [], [1, null, 'NaN']])).toBe('[[0.5,3.0],null,[],[1.0,null,"NaN"]]');
  });

  it('keeps the exponent form JS uses for huge and tiny numbers, which Python reads as floats already', () => {
    expect(floatColumnJson([1e21, 2, 1e-7])).toBe('[1e+21,2.0,1e-7]');
    expect(JSON.parse(floatColumnJson([1e300, 4]))).toEqual([1e300, 4]);
  });

  it('is JSON.stringify when no whole number is in the column', () => {
    const values = [0.1, 'Infinity', null, [2.5, 'NaN']];
    expect(floatColumnJson(values)).toBe(JSON.stringify(values));
  });

  it('writes negative zero as -0.0', () => {
    expect(floatColumnJson([-0])).toBe('[-0.0]');
  });
});
