/**
 * Turns encoded rows into write-script calls: drops rows whose TTL already ran out (Redis would delete them at
 * once; SET with a past PXAT is a round trip for nothing), computes each key's PXAT, and cuts the rest into batches
 * of at most `batchSize` keys, each batch in one cluster slot when `bySlot` is set (a script's keys must share one).
 * Two rows for the same key in one call are fine: the script applies them in order, newer-wins.
 */
import { rowKey } from './keys.js';
import { groupBySlot } from './slot-groups.js';
import { formatStoredValue } from './stored-value.js';
import type { EncodedRow, ViewLayout } from './types.js';

/** One write-script call: its KEYS and its ARGV (2 per key, see lua/write-newer.lua). */
export interface WriteBatch {
  keys: string[];
  argv: string[];
  /** Cluster mode: the one slot all keys hash to. */
  slot?: number;
}

export interface WritePlan {
  batches: WriteBatch[];
  skippedExpired: number;
}

export interface WritePlanOptions {
  prefix: string;
  layout: ViewLayout;
  schemaId: string;
  nowMs: number;
  batchSize: number;
  /** Cluster mode: every batch holds keys of one slot only. */
  bySlot: boolean;
}

/** Epoch ms at which a row's key expires (event time + TTL), or 0 for no expiry. */
export function expiryAtMs(eventMicros: number, ttlSeconds: number): number {
  return ttlSeconds > 0 ? Math.floor(eventMicros / 1000) + ttlSeconds * 1000 : 0;
}

export function planWrites(rows: readonly EncodedRow[], options: WritePlanOptions): WritePlan {
  const { prefix, layout, schemaId, nowMs, batchSize, bySlot } = options;
  let skippedExpired = 0;
  const live: { key: string; row: EncodedRow; pxat: number }[] = [];
  for (const row of rows) {
    const pxat = expiryAtMs(row.eventMicros, layout.ttlSeconds);
    if (pxat !== 0 && pxat <= nowMs) {
      skippedExpired++;
      continue;
    }
    live.push({ key: rowKey(prefix, layout.project, layout.view, row.key), row, pxat });
  }
  const groups = bySlot ? [...groupBySlot(live, (w) => w.key).entries()] : [[undefined, live] as const];
  const batches: WriteBatch[] = [];
  for (const [slot, group] of groups) {
    for (let i = 0; i < group.length; i += batchSize) {
      const batch: WriteBatch = slot === undefined ? { keys: [], argv: [] } : { keys: [], argv: [], slot };
      for (const w of group.slice(i, i + batchSize)) {
        batch.keys.push(w.key);
        batch.argv.push(formatStoredValue(w.row, schemaId), String(w.pxat));
      }
      batches.push(batch);
    }
  }
  return { batches, skippedExpired };
}

/** Cuts one batch into batches of at most `size` keys (standalone: no slots to keep apart). */
export function splitBatch(batch: { keys: string[]; argv: string[] }, size: number): WriteBatch[] {
  const out: WriteBatch[] = [];
  for (let i = 0; i < batch.keys.length; i += size) {
    out.push({ keys: batch.keys.slice(i, i + size), argv: batch.argv.slice(2 * i, 2 * (i + size)) });
  }
  return out;
}
