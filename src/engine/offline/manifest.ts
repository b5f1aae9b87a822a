/**
 * The manifest of a computed view on object storage, which has no rename: rows are written to objects under unique
 * keys, then published by a small manifest entry per view and date, itself one object under a unique key:
 * `<store>/_manifests/<view>/date=<date>/<version>-<writer>.parquet`, listing the objects it adds with their
 * ranges (and a range with no object when the range now holds no rows). Readers list the entries and fold them:
 * each item is read only where no newer item (version, then writer) covers its range. Entries are never rewritten, so two
 * workers publishing at once cannot lose each other's entry (no conditional PUT needed), an object nobody
 * published is never read, and a rerun of a range after a crash supersedes what the first try published: no row
 * is ever read twice.
 */
import { overlaps, subtractRange, type MicrosRange } from '../compute/range.js';

export const MANIFESTS_FOLDER = '_manifests';

export interface ManifestItem extends MicrosRange {
  view: string;
  date: string;
  /** The object's URL; null for a range published as holding no rows. */
  file: string | null;
  rows: number;
  version: number;
  writer: string;
  /** The entry (its URL) that published this item. */
  entry: string;
}

const VERSION_DIGITS = 16;
const ENTRY_RE = /\/_manifests\/([A-Za-z_][A-Za-z0-9_]*)\/date=(\d{4}-\d{2}-\d{2})\/(\d{16})-([0-9a-f]+)\.parquet$/;

export function entryUrl(store: string, view: string, date: string, version: number, writer: string): string {
  return `${store}/${MANIFESTS_FOLDER}/${view}/date=${date}/${String(version).padStart(VERSION_DIGITS, '0')}-${writer}.parquet`;
}

export function parseEntryUrl(url: string): { view: string; date: string; version: number; writer: string } | undefined {
  const m = ENTRY_RE.exec(url);
  return m ? { view: m[1] as string, date: m[2] as string, version: Number(m[3]), writer: m[4] as string } : undefined;
}

/** Where the rows of `range` go: unique per write, so a write never replaces an object someone may be reading. */
export function dataUrl(store: string, view: string, date: string, range: MicrosRange, version: number, writer: string): string {
  return `${store}/${view}/date=${date}/${range.start}_${range.end}-${version}-${writer}.parquet`;
}

export const newer = (a: ManifestItem, b: ManifestItem): boolean => a.version > b.version || (a.version === b.version && a.writer > b.writer);

/** An item with the parts of its range no newer item covers. */
export interface LiveItem extends ManifestItem {
  parts: MicrosRange[];
}

/** What is left of `range` once every range of `cuts` is taken out. */
export function uncovered(range: MicrosRange, cuts: readonly MicrosRange[]): MicrosRange[] {
  let left: MicrosRange[] = [{ start: range.start, end: range.end }];
  for (const cut of cuts) left = left.flatMap((part) => subtractRange(part, cut));
  return left;
}

/**
 * Each item clipped by every newer item of its view and date: a range rewritten later reads from the later object
 * only, and an older object still serves the rest of its range (so writers never rewrite the part of an old object
 * outside their range, and two writers of different parts of one date never undo each other).
 */
export function liveItems(items: readonly ManifestItem[]): LiveItem[] {
  const byDate = new Map<string, ManifestItem[]>();
  for (const item of items) {
    const key = `${item.view}\u0000${item.date}`;
    byDate.set(key, [...(byDate.get(key) ?? []), item]);
  }
  const live: LiveItem[] = [];
  for (const group of byDate.values()) {
    for (const item of group) {
      const parts = uncovered(item, group.filter((other) => newer(other, item) && overlaps(other, item)));
      if (parts.length > 0) live.push({ ...item, parts });
    }
  }
  return live.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The objects to read: whole, or only in the parts of their range nothing newer covers. */
export interface LiveFile {
  file: string;
  /** undefined: the whole object. */
  parts?: MicrosRange[];
}

export function liveFiles(items: readonly ManifestItem[]): LiveFile[] {
  return liveItems(items).flatMap((item) => {
    if (item.file === null || item.rows === 0) return [];
    const whole = item.parts.length === 1 && item.parts[0]?.start === item.start && item.parts[0]?.end === item.end;
    return [whole ? { file: item.file } : { file: item.file, parts: item.parts }];
  });
}

/**
 * A version above every entry already published for the date, and at least the clock: a writer whose clock is
 * behind another host's still supersedes what it saw.
 */
export function nextVersion(published: readonly ManifestItem[], nowMs: number = Date.now()): number {
  const seen = published.reduce((max, item) => Math.max(max, item.version), 0);
  return Math.max(nowMs * 1000, seen + 1);
}
