/**
 * Small standalone writes (a push, a short range) straight through write-newer.lua over the bulk socket: one
 * EVALSHA per batch, every batch in one socket write, so a 100-row push costs one round trip whether its keys
 * exist or not. The fast path (fast-write.ts) pays off only for large first loads, where most keys are new.
 * ioredis would do the same call, but converting a few hundred arguments per call costs more JS than the RESP
 * text built here.
 */
import { respCommand, type BulkSocket } from './bulk-socket.js';
import { OnlineStoreError } from './errors.js';
import { WRITE_NEWER_LUA, WRITE_NEWER_SHA } from './scripts.js';
import type { WriteBatch } from './write-plan.js';

function call(batch: WriteBatch, how: 'EVALSHA' | 'EVAL'): string {
  return respCommand([how, how === 'EVALSHA' ? WRITE_NEWER_SHA : WRITE_NEWER_LUA, String(batch.keys.length), ...batch.keys, ...batch.argv]);
}

/** Writes every batch newer-wins; returns the summed [written, skipped]. */
export async function scriptWrite(socket: BulkSocket, batches: readonly WriteBatch[]): Promise<{ written: number; skipped: number }> {
  let replies = await socket.send(batches.map((b) => call(b, 'EVALSHA')).join(''), batches.length);
  // A Redis that restarted (or was flushed of scripts) does not know the script yet: EVAL loads it.
  const unknown = replies.flatMap((reply, i) => (reply instanceof Error && reply.message.startsWith('NOSCRIPT') ? [i] : []));
  if (unknown.length > 0) {
    const again = await socket.send(unknown.map((i) => call(batches[i] as WriteBatch, 'EVAL')).join(''), unknown.length);
    replies = replies.map((reply, i) => (unknown.includes(i) ? again[unknown.indexOf(i)] : reply));
  }
  const result = { written: 0, skipped: 0 };
  replies.forEach((reply, i) => {
    if (reply instanceof Error) {
      throw new OnlineStoreError(`writing ${(batches[i] as WriteBatch).keys.length} keys: ${reply.message}`, { cause: reply });
    }
    const [written, skipped] = reply as [number, number];
    result.written += written;
    result.skipped += skipped;
  });
  return result;
}
