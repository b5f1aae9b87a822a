/**
 * The serving read's MGET on standalone Redis. Sent with sendCommand, not through ioredis's auto-pipelining, whose
 * Pipeline object and promises per batch cost ~12 us of CPU per read (~35 us per request at 2k req/s in
 * bench:serve:h2load). Its batching is kept: the socket is corked at the first read of an event-loop turn and
 * uncorked after that turn's I/O callbacks (setImmediate, when auto-pipelining would send), so under load the reads
 * of many requests still go out in one write (unbatched, full speed cost ~25% more CPU per request).
 */
import { Command, type Redis } from 'ioredis';

/** A command sent outside auto-pipelining (sendBatched, bound to a standalone client). */
export type SendBatched = (name: string, args: ReadonlyArray<string | number>) => Promise<unknown>;

/** Read-only to Command: it copies what it needs from its options. */
const UTF8_REPLY = { replyEncoding: 'utf8' } as const;

/** Sockets corked until the end of this turn; keyed by socket, so a reconnect starts uncorked. */
const corked = new WeakSet<object>();

/**
 * `name args` on standalone Redis, written with the other reads of this event-loop turn (see above); the reply as
 * text. Also the stream reads' HMGET and tile script (stream-read.ts), which through auto-pipelining cost a Pipeline
 * per turn (bench:stream:serve's p99).
 */
export function sendBatched(client: Redis, name: string, args: ReadonlyArray<string | number>): Promise<unknown> {
  const stream = client.stream as Redis['stream'] | undefined;
  if (stream && client.status === 'ready' && !corked.has(stream)) {
    corked.add(stream);
    stream.cork();
    setImmediate(() => {
      corked.delete(stream);
      stream.uncork();
    });
  }
  // Command copies its arguments (args.flat()), so they are handed over as they are.
  return client.sendCommand(new Command(name, args as Array<string | number>, UTF8_REPLY)) as Promise<unknown>;
}

export function mgetBatched(client: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  return sendBatched(client, 'mget', keys) as Promise<(string | null)[]>;
}
