/**
 * Sends planned write-script calls with a bounded number in flight (memory stays flat, Redis stays busy).
 * Standalone: one call per batch; ioredis auto-pipelining coalesces the calls in flight into few socket writes.
 * Cluster: a script call may only touch one slot, and a chunk spread over 16384 slots leaves few keys per slot, so
 * the calls bound for one node are sent as one pipeline: one round trip per node instead of one per slot.
 */
import type { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';
import { isNoScript, writeNewer } from './scripts.js';
import type { WriteBatch } from './write-plan.js';

export interface RunOptions {
  cluster: boolean;
  /** Units (single calls or per-node pipelines) in flight at once. */
  concurrency: number;
  /** Cluster: most script calls in one pipeline, and most keys across them. */
  pipelineCalls?: number;
  pipelineKeys?: number;
}

export type Tally = (written: number, skipped: number) => void;

/** Batches for one node, in plan order, cut into pipelines of bounded size. */
export function clusterUnits(batches: readonly WriteBatch[], nodeOf: (slot: number) => string, maxCalls: number, maxKeys: number): WriteBatch[][] {
  const open = new Map<string, { unit: WriteBatch[]; keys: number }>();
  const units: WriteBatch[][] = [];
  for (const batch of batches) {
    const node = batch.slot === undefined ? '?' : nodeOf(batch.slot);
    let current = open.get(node);
    if (current && (current.unit.length >= maxCalls || current.keys + batch.keys.length > maxKeys)) {
      units.push(current.unit);
      current = undefined;
    }
    if (!current) {
      current = { unit: [], keys: 0 };
      open.set(node, current);
    }
    current.unit.push(batch);
    current.keys += batch.keys.length;
  }
  for (const { unit } of open.values()) units.push(unit);
  return units;
}

async function sendUnit(client: RedisClient, unit: readonly WriteBatch[], tally: Tally): Promise<void> {
  if (unit.length === 1) {
    const batch = unit[0] as WriteBatch;
    const [written, skipped] = await writeNewer(client, batch.keys, batch.argv);
    tally(written, skipped);
    return;
  }
  const pipeline = client.pipeline();
  for (const batch of unit) pipeline.ffWriteNewer(batch.keys.length, ...batch.keys, ...batch.argv);
  const results = (await pipeline.exec()) ?? [];
  for (const [i, [err, reply]] of results.entries()) {
    if (err && !isNoScript(err)) throw err;
    // A batch whose script was flushed again before ioredis' one resend goes again on its own (see writeNewer).
    const batch = unit[i] as WriteBatch;
    const [written, skipped] = err ? await writeNewer(client, batch.keys, batch.argv) : (reply as [number, number]);
    tally(written, skipped);
  }
}

/** Runs every batch; the first failure stops handing out more and is rethrown (after `wrap`). */
export async function runWriteBatches(
  client: RedisClient,
  batches: readonly WriteBatch[],
  options: RunOptions,
  tally: Tally,
  wrap: (err: unknown, keys: number) => Error,
): Promise<void> {
  const units = options.cluster
    ? clusterUnits(batches, (slot) => (client as Cluster).slots[slot]?.join(',') ?? '?', options.pipelineCalls ?? 64, options.pipelineKeys ?? 2000)
    : batches.map((b) => [b]);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < units.length) {
      const unit = units[next++] as WriteBatch[];
      try {
        await sendUnit(client, unit, tally);
      } catch (err) {
        failed = true;
        throw wrap(err, unit.reduce((n, b) => n + b.keys.length, 0));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, units.length) }, worker));
}
