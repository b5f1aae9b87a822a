import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../../src/api/bounded-queue.js';

describe('BoundedQueue', () => {
  it('holds batches up to its row capacity and hands them out oldest first', () => {
    const queue = new BoundedQueue<string>(10);
    expect(queue.push('a', 4)).toBe(true);
    expect(queue.push('b', 6)).toBe(true);
    expect(queue.rows).toBe(10);
    expect(queue.drain()).toEqual(['a', 'b']);
    expect(queue.rows).toBe(0);
    expect(queue.dropped).toBe(0);
  });

  it('drops a batch that does not fit whole and counts its rows, keeping what was queued', () => {
    const queue = new BoundedQueue<string>(10);
    queue.push('a', 8);
    expect(queue.push('b', 3)).toBe(false);
    expect(queue.push('c', 5)).toBe(false);
    expect(queue.push('d', 2)).toBe(true);
    expect(queue.dropped).toBe(8);
    expect(queue.drain()).toEqual(['a', 'd']);
  });

  it('takes batches again once drained', () => {
    const queue = new BoundedQueue<number>(2);
    queue.push(1, 2);
    expect(queue.push(2, 1)).toBe(false);
    queue.drain();
    expect(queue.push(3, 2)).toBe(true);
    expect(queue.dropped).toBe(1);
  });

  it('refuses a capacity that could hold nothing', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
