import { describe, expect, it } from 'vitest';
import { READ, TileStateCache } from '../../../src/online/tile-state-cache.js';

const T = 60_000_000;
const HOUR_MS = 3_600_000;

function cache(options: { lateness?: number; maxEntries?: number; expireMs?: number } = {}): { cache: TileStateCache; clock: { ms: number } } {
  const clock = { ms: 1_000_000 };
  const c = new TileStateCache({
    tileMicros: T,
    allowedLatenessMicros: options.lateness ?? T,
    expireMs: options.expireMs ?? HOUR_MS,
    ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
    now: () => clock.ms,
  });
  return { cache: c, clock };
}

describe('TileStateCache', () => {
  it('reads everything until started, and again after clear()', () => {
    const { cache: c, clock } = cache();
    expect(c.knowsAt('')).toBe(false);
    expect(c.stored('a', 100, clock.ms)).toBe(READ);
    c.start('{"0":"5"}', 10 * T);
    expect(c.knowsAt('{"0":"5"}')).toBe(true);
    expect(c.stored('a', 100, clock.ms)).toBe('');
    c.wrote('a', [100], ['3'], undefined, clock.ms);
    c.applied('{"0":"6"}', 100 * T);
    expect(c.stored('a', 100, clock.ms)).toBe('3');
    c.clear();
    expect(c.knowsAt('{"0":"6"}')).toBe(false);
    expect(c.entries).toBe(0);
    expect(c.stored('a', 100, clock.ms)).toBe(READ);
    expect(c.stored('b', 1000, clock.ms)).toBe(READ);
  });

  it('reads a tile it did not write at or below the stored watermark\'s tile, and knows one above it is absent', () => {
    const { cache: c, clock } = cache();
    c.start('{"0":"1"}', 10 * T + 5);
    expect(c.stored('a', 9, clock.ms)).toBe(READ);
    expect(c.stored('a', 10, clock.ms)).toBe(READ);
    expect(c.stored('a', 11, clock.ms)).toBe('');
    c.wrote('a', [10, 11], ['1', '2'], undefined, clock.ms);
    c.applied('{"0":"2"}', 11 * T);
    expect(c.stored('a', 10, clock.ms)).toBe('1');
    expect(c.stored('a', 11, clock.ms)).toBe('2');
    expect(c.stored('a', 12, clock.ms)).toBe('');
    // Another entity's tiles are judged by the same floor.
    expect(c.stored('b', 10, clock.ms)).toBe(READ);
    expect(c.stored('b', 11, clock.ms)).toBe('');
  });

  it('treats no stored state as watermark 0: tile 0 and negative tiles are read', () => {
    const { cache: c, clock } = cache();
    c.start('', 0);
    expect(c.stored('a', -3, clock.ms)).toBe(READ);
    expect(c.stored('a', 0, clock.ms)).toBe(READ);
    expect(c.stored('a', 1, clock.ms)).toBe('');
    // A negative watermark (never stored by the loop) still reads from tile 0 down.
    c.start('', -5 * T);
    expect(c.stored('a', 0, clock.ms)).toBe(READ);
  });

  it('evicts tiles below floor((W - lateness) / tile) once the applied watermark moves that floor, and reads them if asked', () => {
    const { cache: c, clock } = cache({ lateness: 2 * T });
    c.start('p0', 0);
    c.wrote('a', [10, 11, 12], ['1', '2', '3'], undefined, clock.ms);
    c.wrote('b', [10], ['4'], undefined, clock.ms);
    c.applied('p1', 12 * T + 1);
    // floor((12T + 1 - 2T) / T) = 10: nothing below it yet.
    expect(c.entries).toBe(4);
    c.applied('p2', 13 * T);
    // Floor 11: tile 10 goes, and b with it.
    expect(c.entries).toBe(2);
    expect(c.stored('a', 10, clock.ms)).toBe(READ);
    expect(c.stored('b', 10, clock.ms)).toBe(READ);
    expect(c.stored('a', 11, clock.ms)).toBe('2');
    // The floor follows the greatest watermark applied: a lower one does not move it back.
    c.applied('p3', 5 * T);
    expect(c.stored('a', 11, clock.ms)).toBe('2');
  });

  it('starts over from the applied watermark past its cap, reading what it wrote before', () => {
    const { cache: c, clock } = cache({ maxEntries: 3, lateness: 100 * T });
    c.start('p0', 0);
    c.wrote('a', [5, 6], ['1', '2'], undefined, clock.ms);
    c.applied('p1', 6 * T);
    expect(c.entries).toBe(2);
    c.wrote('b', [6, 7], ['3', '4'], undefined, clock.ms);
    c.applied('p2', 7 * T);
    expect(c.entries).toBe(0);
    expect(c.knowsAt('p2')).toBe(true);
    expect(c.stored('a', 6, clock.ms)).toBe(READ);
    expect(c.stored('b', 7, clock.ms)).toBe(READ);
    expect(c.stored('b', 8, clock.ms)).toBe('');
  });

  it('after a cap restart, also reads tiles written above a watermark that lagged them', () => {
    const { cache: c, clock } = cache({ maxEntries: 1, lateness: 100 * T });
    c.start('p0', 0);
    c.wrote('a', [50, 51], ['1', '2'], undefined, clock.ms);
    c.applied('p1', 3 * T);
    expect(c.stored('a', 51, clock.ms)).toBe(READ);
    expect(c.stored('a', 52, clock.ms)).toBe('');
  });

  it('reads the tiles an entity had below the prune floor a write sent, and keeps the rest', () => {
    const { cache: c, clock } = cache({ lateness: 100 * T });
    c.start('p0', 0);
    c.wrote('a', [3, 4, 5], ['1', '2', '3'], undefined, clock.ms);
    c.applied('p1', 5 * T);
    c.wrote('a', [9], ['4'], 5, clock.ms);
    c.applied('p2', 9 * T);
    expect(c.stored('a', 3, clock.ms)).toBe(READ);
    expect(c.stored('a', 4, clock.ms)).toBe(READ);
    expect(c.stored('a', 5, clock.ms)).toBe('3');
    expect(c.stored('a', 9, clock.ms)).toBe('4');
    expect(c.entries).toBe(2);
  });

  it('reads a tile again once its first cached state is half a hash\'s expiry old (Redis may have expired it)', () => {
    const { cache: c, clock } = cache({ lateness: 100 * T, expireMs: HOUR_MS });
    c.start('p0', 0);
    c.wrote('a', [3, 4], ['1', '2'], undefined, clock.ms);
    c.wrote('b', [6], ['5'], undefined, clock.ms + HOUR_MS / 2);
    c.applied('p1', 6 * T);
    clock.ms += HOUR_MS / 2 - 1;
    expect(c.stored('a', 4, clock.ms)).toBe('2');
    clock.ms += 1;
    expect(c.stored('a', 4, clock.ms)).toBe(READ);
    expect(c.stored('a', 3, clock.ms)).toBe(READ);
    // Above what it dropped, still known absent; tile 6 was first written later and is still trusted.
    expect(c.stored('a', 5, clock.ms)).toBe('');
    expect(c.stored('b', 6, clock.ms)).toBe('5');
    expect(c.entries).toBe(1);
  });

  it('keeps nothing written while its positions are unknown', () => {
    const { cache: c, clock } = cache();
    c.wrote('a', [5], ['1'], undefined, clock.ms);
    c.applied('p1', 5 * T);
    expect(c.entries).toBe(0);
    expect(c.knowsAt('p1')).toBe(false);
  });
});
