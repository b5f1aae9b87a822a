import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from '../../../src/registry/index.js';

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['7d', 604_800],
    ['1w', 604_800],
    [3600, 3600],
    ['3600', 3600],
    [0, 0],
    ['0s', 0],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '2x', '1.5h', '-1s', 'h', '2 days', '1d2h'])('rejects the text %j', (text) => {
    expect(tryParseDuration(text)).toBeUndefined();
    expect(() => parseDuration(text)).toThrow(/is not a duration/);
  });

  it.each([-5, 1.5, Number.NaN])('rejects the number %d', (value) => {
    expect(tryParseDuration(value)).toBeUndefined();
  });

  it('rejects values that are neither text nor numbers', () => {
    expect(tryParseDuration(null)).toBeUndefined();
    expect(tryParseDuration({ seconds: 1 })).toBeUndefined();
  });

  it('formats seconds with the largest exact unit', () => {
    expect(formatDuration(86_400)).toBe('1d');
    expect(formatDuration(604_800)).toBe('7d');
    expect(formatDuration(7200)).toBe('2h');
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(0)).toBe('0s');
  });
});
