import { describe, expect, it } from 'vitest';
import { advancePositions, comparePositions, isApplied, lastPositions, maxPositions, splitApplied } from '../../../src/stream/positions.js';

describe('stream positions', () => {
  it('compare sequences, offsets beyond 2^53 and Redis entry ids numerically', () => {
    expect(comparePositions('9', '10')).toBeLessThan(0);
    expect(comparePositions('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
    expect(comparePositions('1700-9', '1700-10')).toBeLessThan(0);
    expect(comparePositions('1701-0', '1700-10')).toBeGreaterThan(0);
    expect(comparePositions('0', '0-0')).toBe(0);
    // 15 digits are read as a double, 16 as BigInt parts: the same order across the switch.
    expect(comparePositions('999999999999999', '1000000000000000')).toBeLessThan(0);
    expect(comparePositions('1000000000000000', '999999999999999')).toBeGreaterThan(0);
    expect(comparePositions('007', '7')).toBe(0);
    expect(comparePositions('12', '12-1')).toBeLessThan(0);
  });

  it('split a batch into what is not applied yet and the greatest position of each partition, in one pass', () => {
    const messages = [
      { partition: '0', position: '9' },
      { partition: '1', position: '3' },
      { partition: '0', position: '10' },
      { partition: '0', position: '11' },
      { partition: '1', position: '4' },
    ];
    const { fresh, last } = splitApplied({ '0': '10', '1': '2' }, messages);
    expect(fresh).toEqual([messages[1], messages[3], messages[4]]);
    expect(JSON.stringify(last)).toBe('{"0":"11","1":"4"}');
    expect(maxPositions({ '0': '12', '2': '1' }, last)).toEqual({ '0': '12', '1': '4', '2': '1' });
  });

  it('tell applied positions from new ones per partition', () => {
    const applied = { '0': '10', '2': '5' };
    expect(isApplied(applied, '0', '10')).toBe(true);
    expect(isApplied(applied, '0', '11')).toBe(false);
    expect(isApplied(applied, '1', '0')).toBe(false);
  });

  it('advance to the greatest position of each partition with keys in partition order', () => {
    const next = advancePositions({ '10': '4', '2': '9' }, [
      { partition: '2', position: '7' },
      { partition: '1', position: '3' },
      { partition: '10', position: '6' },
      { partition: '1', position: '2' },
    ]);
    expect(JSON.stringify(next)).toBe('{"1":"3","2":"9","10":"6"}');
    expect(lastPositions([{ partition: '0', position: '1-5' }, { partition: '0', position: '2-0' }])).toEqual({ '0': '2-0' });
  });
});
