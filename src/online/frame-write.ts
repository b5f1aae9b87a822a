/**
 * First-attempt writes rendered by DuckDB (engine/row-frames.ts): the store hands the engine the bytes of one
 * row's `SET key value NX GET [PXAT t]`, the engine hands back groups of them ready to send. The same command as
 * fast-write.ts sends, byte for byte; only who builds it differs. A key that existed comes back with its stored
 * value; its command is read back out of the group's bytes (rare in a first load, the case this path is for) and,
 * when ours is newer, goes on to the write-newer script like any fast-path row.
 */
import type { FrameBatch, RowFrameTemplate } from '../engine/row-frames.js';
import type { BulkSocket } from './bulk-socket.js';
import { OnlineStoreError } from './errors.js';
import { isNewer, type FastWriteResult } from './fast-write.js';
import { rowKey } from './keys.js';
import type { ViewLayout } from './types.js';

const CRLF = '\r\n';

/** RESP of `SET <row key> <stored value> NX GET [PXAT <expiry>]` for every row (see stored-value.ts for the value). */
export function setNxFrameTemplate(prefix: string, layout: ViewLayout, schemaId: string, nowMs: number): RowFrameTemplate {
  // The row key comes from keys.ts, split around the entity key, so this stays the one layout of row keys.
  const mark = '\u0000';
  const [keyBefore, keyAfter] = rowKey(prefix, layout.project, layout.view, mark).split(mark) as [string, string];
  const bulk = (text: string): string => `$${Buffer.byteLength(text)}${CRLF}${text}${CRLF}`;
  const ttl = layout.ttlSeconds > 0;
  return {
    parts: [
      `*${ttl ? 7 : 5}${CRLF}${bulk('SET')}`,
      { sized: [keyBefore, { field: 'key' }, keyAfter] },
      // formatStoredValue(): <event>,<created>,<schemaId>;<payload>
      { sized: [{ field: 'event' }, ',', { field: 'created' }, `,${schemaId};`, { field: 'payload' }] },
      `${bulk('NX')}${bulk('GET')}${ttl ? bulk('PXAT') : ''}`,
      ...(ttl ? [{ sized: [{ field: 'expiryMs' as const }] }] : []),
    ],
    sized: { before: '$', between: CRLF, after: CRLF },
    ...(ttl ? { expiry: { ttlSeconds: layout.ttlSeconds, nowMs } } : {}),
  };
}

function readLine(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let i = at;
  while (bytes[i] !== 13) value = value * 10 + ((bytes[i++] as number) - 48);
  return { value, next: i + 2 };
}

/** The arguments of the commands at `indexes` (ascending) among the RESP commands in `bytes`. */
export function commandArgsAt(bytes: Uint8Array, indexes: readonly number[]): string[][] {
  const out: string[][] = [];
  const decoder = new TextDecoder();
  let at = 0;
  let command = 0;
  for (const wanted of indexes) {
    for (; command <= wanted; command++) {
      const head = readLine(bytes, at + 1); // '*<n>'
      at = head.next;
      const args: string[] = [];
      for (let a = 0; a < head.value; a++) {
        const len = readLine(bytes, at + 1); // '$<len>'
        if (command === wanted) args.push(decoder.decode(bytes.subarray(len.next, len.next + len.value)));
        at = len.next + len.value + 2;
      }
      if (command === wanted) out.push(args);
    }
  }
  return out;
}

/** Sends one group; existing keys whose stored value is older come back in `newer` for the script. */
export async function frameWrite(socket: BulkSocket, batch: FrameBatch): Promise<FastWriteResult> {
  const result: FastWriteResult = { written: 0, skipped: 0, newer: { keys: [], argv: [] } };
  if (batch.count === 0) return result;
  const replies = await socket.sendCounted(batch.frames, batch.count);
  result.written = replies.nils;
  if (replies.others.length === 0) return result;
  const commands = commandArgsAt(batch.frames, replies.others.map((o) => o.index));
  replies.others.forEach(({ reply }, i) => {
    const [, key, value, , , , pxat] = commands[i] as string[];
    if (reply instanceof Error) throw new OnlineStoreError(`writing ${key}: ${reply.message}`, { cause: reply });
    if (isNewer(value as string, String(reply))) {
      result.newer.keys.push(key as string);
      result.newer.argv.push(value as string, pxat ?? '0');
    } else result.skipped++;
  });
  return result;
}
