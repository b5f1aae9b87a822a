import { describe, expect, it } from 'vitest';
import { logServedTargets } from '../../../src/cli/log-served-flag.js';

describe('--log-served', () => {
  it('reads SERVICE as rate 1 and SERVICE:RATE as that share', () => {
    expect(logServedTargets(['fraud_v1', 'ranking:0.05'])).toEqual([
      { service: 'fraud_v1', rate: 1 },
      { service: 'ranking', rate: 0.05 },
    ]);
    expect(logServedTargets(undefined)).toEqual([]);
  });

  it('refuses rates outside (0, 1], non-numbers, empty names and repeats, naming the flag value', () => {
    for (const bad of ['s:0', 's:1.5', 's:abc', 's:', ':0.5', 's:-0.1']) {
      expect(() => logServedTargets([bad]), bad).toThrow(new RegExp(`--log-served: .*${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    expect(() => logServedTargets(['s', 's:0.5'])).toThrow(/"s" is named twice/);
  });
});
