/**
 * `featureflow offline sweep`: what writers leave behind on purpose. On object storage: objects no manifest entry
 * references (a writer died between upload and publish, or a rerun superseded them) and entries every item of which
 * is superseded; locally: temp files of writers that died before their rename. Only what is older than the grace
 * period goes: a reader that listed the store a moment ago may still be reading a superseded object.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { overlaps } from '../compute/range.js';
import { STALE_TEMP_MS, sweepStaleTemps } from '../compute/layout.js';
import type { EngineContext } from '../context.js';
import { PUSHED_FOLDER } from '../pushed-files.js';
import { s3Settings } from '../s3-settings.js';
import { objectKey, type OfflineLocation } from './location.js';
import { MANIFESTS_FOLDER, newer, uncovered, type ManifestItem } from './manifest.js';
import { ObjectClient } from './object-client.js';

export const DEFAULT_SWEEP_GRACE_MS = STALE_TEMP_MS;

export interface SweepOptions {
  graceMs?: number;
  dryRun?: boolean;
  nowMs?: number;
}

export interface SweepResult {
  store: string;
  /** Superseded manifest entries (object stores). */
  entries: string[];
  /** Objects nothing references (object stores) or stale temp files (local stores). */
  files: string[];
  bytes: number;
  dryRun: boolean;
}

export async function sweepOffline(ctx: EngineContext, options: SweepOptions = {}): Promise<SweepResult> {
  const location = ctx.offline.location;
  const graceMs = options.graceMs ?? DEFAULT_SWEEP_GRACE_MS;
  const nowMs = options.nowMs ?? Date.now();
  if (location.kind === 'local') return sweepLocal(location, graceMs, nowMs, options.dryRun === true);
  await ctx.offline.refresh();
  const items = ctx.repo.featureViews.flatMap((v) => ctx.offline.manifestItems(v.name));
  const doomed = supersededEntries(items, (nowMs - graceMs) * 1000);
  const kept = items.filter((item) => !doomed.has(item.entry));
  const referenced = new Set(kept.flatMap((item) => (item.file ? [item.file] : [])));
  const client = new ObjectClient(s3Settings(ctx.repo), location.bucket);
  const prefix = location.prefix ? `${location.prefix}/` : '';
  const objects = await client.list(prefix);
  const orphans = objects.filter((o) => {
    const rest = o.key.slice(prefix.length);
    const top = rest.split('/')[0] ?? '';
    // Only computed rows: pushed rows are never superseded, the manifest entries are decided above, and folders
    // starting with "_" (no view may) are the store's own: statistics and the like are never published by a manifest.
    if (top === PUSHED_FOLDER || top === MANIFESTS_FOLDER || top.startsWith('_') || !/\/date=[^/]+\/[^/]+\.parquet$/.test(rest)) return false;
    return !referenced.has(`s3://${location.bucket}/${o.key}`) && nowMs - o.lastModifiedMs > graceMs;
  });
  const entries = [...doomed].sort();
  const bytes = orphans.reduce((sum, o) => sum + o.size, 0);
  if (options.dryRun !== true) {
    // Entries first: a store is never left with an entry whose object is gone.
    for (const entry of entries) await client.delete(objectKey(location, entry));
    for (const o of orphans) await client.delete(o.key);
  }
  return { store: location.url, entries, files: orphans.map((o) => `s3://${location.bucket}/${o.key}`), bytes, dryRun: options.dryRun === true };
}

/**
 * Entries that can go without changing what readers see: oldest first, an entry goes when the range of each of
 * its items is covered by newer items published before `beforeVersion` and no older item still kept overlaps it
 * (else that older item's rows there would come back).
 */
export function supersededEntries(items: readonly ManifestItem[], beforeVersion: number): Set<string> {
  const byEntry = new Map<string, ManifestItem[]>();
  for (const item of items) byEntry.set(item.entry, [...(byEntry.get(item.entry) ?? []), item]);
  const order = [...byEntry.values()].sort((a, b) => (a[0] as ManifestItem).version - (b[0] as ManifestItem).version);
  const gone = new Set<string>();
  const present = (i: ManifestItem): boolean => !gone.has(i.entry);
  for (const entryItems of order) {
    const deletable = entryItems.every((item) => {
      const sameDate = items.filter((o) => present(o) && o.view === item.view && o.date === item.date && overlaps(o, item));
      const covered = uncovered(item, sameDate.filter((o) => newer(o, item) && o.version < beforeVersion)).length === 0;
      const shields = sameDate.some((o) => newer(item, o));
      return covered && !shields;
    });
    if (deletable) gone.add((entryItems[0] as ManifestItem).entry);
  }
  return gone;
}

async function sweepLocal(location: Extract<OfflineLocation, { kind: 'local' }>, graceMs: number, nowMs: number, dryRun: boolean): Promise<SweepResult> {
  const files: string[] = [];
  for (const view of await readdir(location.dir).catch(() => [] as string[])) {
    for (const date of await readdir(path.join(location.dir, view)).catch(() => [] as string[])) {
      if (!date.startsWith('date=')) continue;
      const swept = await sweepStaleTemps(path.join(location.dir, view, date), nowMs, graceMs, dryRun);
      if (swept > 0) files.push(`${path.join(location.dir, view, date)} (${swept} temp files)`);
    }
  }
  return { store: location.dir, entries: [], files, bytes: 0, dryRun };
}
