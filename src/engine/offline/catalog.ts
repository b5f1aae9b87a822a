/**
 * What the offline store holds, for the engine's relations, which are built synchronously: a local store is
 * listed on use; an object store is listed by `refresh()` (its manifest entries, which never change once written
 * and so are read once, and its pushed objects), which every engine operation calls before building a relation.
 */
import path from 'node:path';
import type { Database } from '../database.js';
import { computedViewGlob, hasRowFiles } from '../compute/layout.js';
import { duckdbMessage, SourceError } from '../errors.js';
import { listPushedFiles, PUSHED_FOLDER } from '../pushed-files.js';
import { literal, literalList } from '../sql.js';
import { offlinePath, type OfflineLocation } from './location.js';
import { liveFiles, MANIFESTS_FOLDER, parseEntryUrl, type LiveFile, type ManifestItem } from './manifest.js';

export interface OfflineCatalog {
  readonly location: OfflineLocation;
  /** Lists an object store again (a local store needs nothing). */
  refresh(): Promise<void>;
  /** Files (or a glob) holding a computed view's rows, some to be read only in parts; undefined while it has none. */
  computedFiles(view: string): LiveFile[] | undefined;
  /** Files of rows pushed to a push source, in push order. */
  pushedFiles(source: string): string[];
  /** Every manifest item of a view (object stores only): what a writer supersedes. */
  manifestItems(view: string): ManifestItem[];
}

export function openCatalog(location: OfflineLocation, db: Database): OfflineCatalog {
  return location.kind === 'local' ? new LocalCatalog(location) : new ObjectCatalog(location, db);
}

class LocalCatalog implements OfflineCatalog {
  constructor(readonly location: Extract<OfflineLocation, { kind: 'local' }>) {}
  async refresh(): Promise<void> {}
  computedFiles(view: string): LiveFile[] | undefined {
    const dir = path.join(this.location.dir, view);
    return hasRowFiles(dir) ? [{ file: computedViewGlob(dir) }] : undefined;
  }
  pushedFiles(source: string): string[] {
    return listPushedFiles(path.join(this.location.dir, PUSHED_FOLDER, source));
  }
  manifestItems(): ManifestItem[] {
    return [];
  }
}

class ObjectCatalog implements OfflineCatalog {
  private entries = new Map<string, ManifestItem[]>();
  private pushed = new Map<string, string[]>();

  constructor(
    readonly location: Extract<OfflineLocation, { kind: 's3' }>,
    private readonly db: Database,
  ) {}

  async refresh(): Promise<void> {
    try {
      await this.db.withConnection(async (conn) => {
        const listed = async (glob: string): Promise<string[]> =>
          (await conn.runAndReadAll(`SELECT file FROM glob(${literal(glob)}) ORDER BY file`)).getRowsJS().map((r) => String(r[0]));
        const entryUrls = await listed(offlinePath(this.location, MANIFESTS_FOLDER, '*', '*', '*.parquet'));
        const fresh = entryUrls.filter((url) => !this.entries.has(url) && parseEntryUrl(url) !== undefined);
        const entries = new Map<string, ManifestItem[]>(entryUrls.filter((u) => this.entries.has(u)).map((u) => [u, this.entries.get(u) as ManifestItem[]]));
        if (fresh.length > 0) {
          const reader = await conn.runAndReadAll(
            `SELECT filename, file, "start", "end", "rows" FROM read_parquet(${literalList(fresh)}, filename = true)`,
          );
          for (const [entry, file, start, end, rows] of reader.getRowsJS()) {
            const meta = parseEntryUrl(String(entry));
            if (!meta) continue;
            const item: ManifestItem = { ...meta, entry: String(entry), file: file === null ? null : String(file), start: Number(start), end: Number(end), rows: Number(rows) };
            entries.set(item.entry, [...(entries.get(item.entry) ?? []), item]);
          }
        }
        this.entries = entries;
        const pushed = new Map<string, string[]>();
        for (const url of await listed(offlinePath(this.location, PUSHED_FOLDER, '*', '*.parquet'))) {
          const source = url.split('/').at(-2) as string;
          pushed.set(source, [...(pushed.get(source) ?? []), url]);
        }
        this.pushed = pushed;
      });
    } catch (err) {
      throw new SourceError(`listing the offline store ${this.location.url} failed: ${duckdbMessage(err)}`, { cause: err, retryable: true });
    }
  }

  computedFiles(view: string): LiveFile[] | undefined {
    const files = liveFiles(this.manifestItems(view));
    return files.length > 0 ? files : undefined;
  }

  pushedFiles(source: string): string[] {
    return this.pushed.get(source) ?? [];
  }

  manifestItems(view: string): ManifestItem[] {
    return [...this.entries.values()].flat().filter((item) => item.view === view);
  }
}

/** Where a view's rows are, for messages. */
export function computedViewPlace(location: OfflineLocation, view: string): string {
  return location.kind === 'local' ? path.join(location.dir, view) : `${location.url}/${MANIFESTS_FOLDER}/${view}/`;
}
