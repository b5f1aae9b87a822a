/** Folding manifest entries into what readers read, and which entries a sweep may delete without changing that. */
import { describe, expect, it } from 'vitest';
import { entryUrl, liveFiles, liveItems, nextVersion, parseEntryUrl, type ManifestItem } from '../../../src/engine/offline/manifest.js';
import { supersededEntries } from '../../../src/engine/offline/sweep.js';

let n = 0;
function item(start: number, end: number, version: number, writer = 'aa', file: string | null = `f${++n}`): ManifestItem {
  return { view: 'v', date: '2024-01-01', start, end, version, writer, file, rows: file ? 1 : 0, entry: `e-${version}-${writer}` };
}

describe('liveItems', () => {
  it('a newer item clips every older item it overlaps to the rest of its range', () => {
    const old = item(0, 10, 1);
    const neighbour = item(10, 20, 1);
    const fresh = item(5, 8, 2);
    const live = liveItems([old, neighbour, fresh]);
    expect(live.map((i) => [i.file, i.parts])).toEqual([
      [old.file, [{ start: 0, end: 5 }, { start: 8, end: 10 }]],
      [fresh.file, [{ start: 5, end: 8 }]],
      [neighbour.file, [{ start: 10, end: 20 }]],
    ]);
    expect(liveFiles([old, neighbour, fresh])).toEqual([
      { file: old.file, parts: [{ start: 0, end: 5 }, { start: 8, end: 10 }] },
      { file: fresh.file },
      { file: neighbour.file },
    ]);
  });

  it('two writers of different parts of one date over an older object both win their part', () => {
    const old = item(0, 24, 1);
    const morning = item(0, 12, 2, 'bb');
    const evening = item(12, 24, 3, 'aa');
    expect(liveFiles([old, morning, evening])).toEqual([{ file: morning.file }, { file: evening.file }]);
  });

  it('two writers of the same range with the same version: the greater writer id wins, never both', () => {
    const a = item(0, 10, 5, 'aa');
    const b = item(0, 10, 5, 'bb');
    expect(liveFiles([a, b])).toEqual([{ file: b.file }]);
  });

  it('a range published without an object hides older rows and reads as nothing', () => {
    const old = item(0, 10, 1);
    const empty = item(0, 10, 2, 'aa', null);
    expect(liveItems([old, empty]).map((i) => i.file)).toEqual([null]);
    expect(liveFiles([old, empty])).toEqual([]);
  });

  it('items of other dates or views never clip each other', () => {
    const a = item(0, 10, 1);
    const b = { ...item(0, 10, 2), date: '2024-01-02' };
    const c = { ...item(0, 10, 3), view: 'w' };
    expect(liveItems([a, b, c])).toHaveLength(3);
  });
});

describe('nextVersion', () => {
  it('is above every published version even when this clock is behind', () => {
    expect(nextVersion([item(0, 1, 9_000_000_000_000_000)], 1000)).toBe(9_000_000_000_000_001);
    expect(nextVersion([], 1000)).toBe(1_000_000);
  });
});

describe('entry names', () => {
  it('round-trip, and a foreign object is not an entry', () => {
    const url = entryUrl('s3://b/p', 'user_stats', '2024-01-01', 1_733_000_000_000_000, 'abc123');
    expect(url).toBe('s3://b/p/_manifests/user_stats/date=2024-01-01/1733000000000000-abc123.parquet');
    expect(parseEntryUrl(url)).toEqual({ view: 'user_stats', date: '2024-01-01', version: 1_733_000_000_000_000, writer: 'abc123' });
    expect(parseEntryUrl('s3://b/p/_manifests/user_stats/date=2024-01-01/notes.parquet')).toBeUndefined();
  });
});

describe('supersededEntries', () => {
  it('keeps an entry whose range is only partly covered, and deletes one covered by several newer ones', () => {
    expect(supersededEntries([item(0, 10, 1), item(0, 5, 2)], 100)).toEqual(new Set());
    const old = item(0, 10, 1);
    expect(supersededEntries([old, item(0, 5, 2), item(5, 10, 3)], 100)).toEqual(new Set([old.entry]));
  });

  it('deletes oldest first, and never an entry that still hides an older one', () => {
    const first = item(0, 10, 1);
    const second = item(0, 10, 2, 'aa', null);
    const third = item(0, 10, 3);
    // With the grace covering only the second's supersession, the first goes (hidden by the second), not the second.
    expect(supersededEntries([first, second, third], 3)).toEqual(new Set([first.entry]));
    expect(supersededEntries([first, second, third], 100)).toEqual(new Set([first.entry, second.entry]));
  });

  it('deletes nothing superseded within the grace period', () => {
    expect(supersededEntries([item(0, 10, 1), item(0, 10, 50)], 50)).toEqual(new Set());
  });
});
