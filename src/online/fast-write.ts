/**
 * The first attempt of a standalone write: each key as a plain `SET key value NX GET [PXAT t]` over the bulk
 * socket. A key that did not exist (every key of a first materialization or backfill) is written by that one
 * command. For a key that existed, SET NX wrote nothing and handed back the stored value: when ours is newer, the
 * row goes on to the write-newer script, which compares again atomically, so newer-wins holds under any race.
 */
import { respCommand, type BulkSocket } from './bulk-socket.js';
import { OnlineStoreError } from './errors.js';
import type { WriteBatch } from './write-plan.js';

export interface FastWriteResult {
  written: number;
  skipped: number;
  /** Rows whose key existed with an older value: to be written by the script. */
  newer: WriteBatch;
}

const COMMANDS_PER_SEND = 2000;
const SENDS_IN_FLIGHT = 2;

function times(value: string): [number, number] | undefined {
  const c1 = value.indexOf(',');
  const c2 = c1 < 0 ? -1 : value.indexOf(',', c1 + 1);
  if (c2 < 0) return undefined;
  const event = Number(value.slice(0, c1));
  const created = c2 > c1 + 1 ? Number(value.slice(c1 + 1, c2)) : -Infinity;
  return Number.isNaN(event) || Number.isNaN(created) ? undefined : [event, created];
}

/** True when `ours` is strictly newer than `stored`; an unreadable stored value counts as absent (the script's rule). */
export function isNewer(ours: string, stored: string): boolean {
  const a = times(ours);
  const b = times(stored);
  if (!a || !b) return true;
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

export async function fastWrite(socket: BulkSocket, batches: readonly WriteBatch[]): Promise<FastWriteResult> {
  const result: FastWriteResult = { written: 0, skipped: 0, newer: { keys: [], argv: [] } };
  const keys = batches.flatMap((b) => b.keys);
  const argv = batches.flatMap((b) => b.argv);
  const handle = (from: number, replies: unknown[]): void => {
    replies.forEach((reply, i) => {
      const at = from + i;
      if (reply === null) result.written++;
      else if (reply instanceof Error) throw new OnlineStoreError(`writing ${keys[at]}: ${reply.message}`, { cause: reply });
      else if (isNewer(argv[2 * at] as string, String(reply))) {
        result.newer.keys.push(keys[at] as string);
        result.newer.argv.push(argv[2 * at] as string, argv[2 * at + 1] as string);
      } else result.skipped++;
    });
  };
  const inFlight: Array<Promise<void>> = [];
  for (let from = 0; from < keys.length; from += COMMANDS_PER_SEND) {
    const to = Math.min(from + COMMANDS_PER_SEND, keys.length);
    let commands = '';
    for (let i = from; i < to; i++) {
      const pxat = argv[2 * i + 1] as string;
      const args = ['SET', keys[i] as string, argv[2 * i] as string, 'NX', 'GET'];
      commands += respCommand(pxat === '0' ? args : [...args, 'PXAT', pxat]);
    }
    const sent = socket.send(commands, to - from).then((replies) => handle(from, replies));
    sent.catch(() => undefined);
    inFlight.push(sent);
    if (inFlight.length >= SENDS_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return result;
}
