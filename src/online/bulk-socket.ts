/**
 * A bare RESP connection for bulk writes. ioredis costs a few microseconds of JS per command (a Command object, a
 * promise, argument conversion); at a million keys that, not Redis, is the bottleneck (PITFALLS: keep the client's
 * CPU off the hot path). Here a whole batch of commands is one string and one socket write, and replies are
 * counted off in order. Only for standalone Redis; reads and everything else stay on ioredis.
 */
import net from 'node:net';
import tls from 'node:tls';
import { createRequire } from 'node:module';
import { OnlineStoreUnavailableError } from './errors.js';

// redis-parser is what ioredis itself parses replies with; it ships no ESM entry, hence require.
const require = createRequire(import.meta.url);
const RedisParser = require('redis-parser') as new (handlers: {
  returnReply: (reply: unknown) => void;
  returnError: (error: Error) => void;
}) => { execute(data: Buffer): void };

export interface BulkTarget {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: boolean;
}

interface PendingBatch {
  count: number;
  seen: number;
  /** Every reply (send), or only the non-nil ones with their index (sendCounted: nils are just counted). */
  replies: unknown[];
  counted: boolean;
  resolve: (replies: unknown[]) => void;
  reject: (err: Error) => void;
}

/** Replies of a counted batch: how many were nil, and the others with the index of their command. */
export interface CountedReplies {
  nils: number;
  others: Array<{ index: number; reply: unknown }>;
}

/** RESP encoding of one command. */
export function respCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export class BulkSocket {
  private readonly queue: PendingBatch[] = [];
  private broken: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    const parser = new RedisParser({
      returnReply: (reply) => this.deliver(reply),
      returnError: (error) => this.deliver(error),
    });
    socket.on('data', (data: Buffer) => parser.execute(data));
    const fail = (why: string) => this.failAll(new OnlineStoreUnavailableError(`online store unavailable: bulk connection ${why}`));
    socket.on('error', (err) => fail(`error: ${err.message}`));
    socket.on('close', () => fail('closed'));
  }

  static async open(target: BulkTarget, timeoutMs: number): Promise<BulkSocket> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = target.tls
        ? tls.connect({ host: target.host, port: target.port, servername: target.host })
        : net.connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new OnlineStoreUnavailableError(`online store unavailable: no connection to ${target.host}:${target.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once(target.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new OnlineStoreUnavailableError(`online store unavailable: ${err.message}`, { cause: err }));
      });
    });
    socket.setNoDelay(true);
    const bulk = new BulkSocket(socket);
    const setup: string[][] = [];
    if (target.password) setup.push(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]);
    if (target.db) setup.push(['SELECT', String(target.db)]);
    if (setup.length > 0) {
      const replies = await bulk.send(setup.map(respCommand).join(''), setup.length);
      const error = replies.find((r) => r instanceof Error);
      if (error) {
        bulk.close();
        throw new OnlineStoreUnavailableError(`online store unavailable: ${(error as Error).message}`);
      }
    }
    return bulk;
  }

  get usable(): boolean {
    return this.broken === undefined;
  }

  /** Sends `count` pre-encoded commands in one write; resolves with their replies (errors as Error values). */
  send(commands: string, count: number): Promise<unknown[]> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ replies: [], count, seen: 0, counted: false, resolve, reject });
      this.socket.write(commands);
    });
  }

  /**
   * Sends `count` pre-encoded commands in one write and counts their nil replies instead of collecting them: a first
   * load's million `SET NX GET` replies are all nil, and an array of them is garbage for nothing.
   */
  sendCounted(commands: Uint8Array, count: number): Promise<CountedReplies> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const done = (others: unknown[]): void =>
        resolve({ nils: count - others.length, others: others as Array<{ index: number; reply: unknown }> });
      this.queue.push({ replies: [], count, seen: 0, counted: true, resolve: done, reject });
      this.socket.write(commands);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(reply: unknown): void {
    const head = this.queue[0];
    if (!head) return;
    if (!head.counted) head.replies.push(reply);
    else if (reply !== null) head.replies.push({ index: head.seen, reply });
    if (++head.seen === head.count) {
      this.queue.shift();
      head.resolve(head.replies);
    }
  }

  private failAll(err: Error): void {
    this.broken ??= err;
    for (const batch of this.queue.splice(0)) batch.reject(err);
  }
}
