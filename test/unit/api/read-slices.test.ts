import { describe, expect, it } from 'vitest';
import { rowsPerSlice, sliceEntities, slices } from '../../../src/api/read-slices.js';

describe('read slices', () => {
  it('cuts a big read into slices of about sliceValues values, covering every row once', () => {
    expect([...slices(1000, 10, 250)]).toEqual([[0, 100], [100, 200], [200, 250]]);
    expect(rowsPerSlice(1000, 0)).toBe(1000);
  });

  it('uses quarter slices for a big read while others are in flight, and one slice for a small read regardless', () => {
    expect([...slices(1000, 10, 100, () => true)]).toEqual([[0, 100]]);
    const busy = [...slices(1000, 10, 200, () => true)];
    expect(busy).toEqual([[0, 25], [25, 50], [50, 75], [75, 100], [100, 125], [125, 150], [150, 175], [175, 200]]);
  });

  it('switches slice size as the server gets busy or quiet, without gaps or overlaps', () => {
    let calls = 0;
    const ranges = [...slices(1000, 10, 300, () => calls++ % 2 === 0)];
    expect(ranges.map(([from]) => from)).toEqual([0, 25, 125, 150, 250, 275]);
    expect(ranges.at(-1)?.[1]).toBe(300);
  });

  it('returns the entity columns unchanged for the whole range and sliced otherwise', () => {
    const entities = { user_id: [1, 2, 3], merchant_id: ['a', 'b', 'c'] };
    expect(sliceEntities(entities, 0, 3)).toBe(entities);
    expect(sliceEntities(entities, 1, 2)).toEqual({ user_id: [2], merchant_id: ['b'] });
  });
});
