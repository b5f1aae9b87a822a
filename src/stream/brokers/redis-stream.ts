/**
 * Redis Streams reader: a consumer group read with XREADGROUP '>' under one fixed consumer name, acknowledged with
 * XACK after the tiles are written. Each entry holds its JSON event in the field `data` (an entry without it counts
 * as an invalid event). The reader has a connection of its own: XREADGROUP BLOCK holds its connection while it waits.
 *
 * The tiles in Redis are the truth: open(after) keeps the group only when its last delivered id is `after` and
 * nothing awaits acknowledgement; otherwise it drops our consumer (and with it its pending entries) and moves the
 * group back with XGROUP SETID. SETID leaves the group's `lag` unknown (XINFO GROUPS shows null) until the group
 * has read the stream's last entry again, so pending() is undefined while a restarted consumer catches up.
 */
import { Redis } from 'ioredis';
import type { RedisStreamBroker } from '../../registry/stream-schema.js';
import { BrokerUnavailableError } from '../errors.js';
import { comparePositions } from '../positions.js';
import type { BrokerReader, Positions, StreamMessage } from '../types.js';

const PARTITION = '0';
/** The field of each stream entry that holds the event's JSON. */
export const REDIS_STREAM_DATA_FIELD = 'data';
const EMPTY = new Uint8Array(0);
/** XACK ids per command at most. */
const ACK_CHUNK = 10_000;

export interface RedisStreamReaderOptions {
  /** Redis URL when the broker names none (the online store's). */
  defaultUrl: string;
  /** Consumer name within the group; one per view, so a restarted worker takes over the same pending entries. */
  consumer?: string;
}

export interface GroupInfo {
  lastDeliveredId: string;
  pending: number;
  lag: number | undefined;
}

/** Reads one group out of XINFO GROUPS' reply (a list of flat name/value lists). */
export function groupInfo(reply: unknown, group: string): GroupInfo | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    if (String(fields.get('name')) !== group) continue;
    const lag = fields.get('lag');
    return {
      lastDeliveredId: String(fields.get('last-delivered-id')),
      pending: Number(fields.get('pending')),
      lag: lag === null || lag === undefined ? undefined : Number(lag),
    };
  }
  return undefined;
}

function entryData(fields: readonly string[]): Uint8Array {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === REDIS_STREAM_DATA_FIELD) return Buffer.from(fields[i + 1] as string);
  }
  return EMPTY;
}

type ReadReply = Array<[string, Array<[string, string[]]>]> | null;

export class RedisStreamReader implements BrokerReader {
  private redis: Redis | undefined;
  /** Ids handed out by next(), not yet acknowledged, in order. */
  private unacked: string[] = [];
  private readonly consumer: string;

  constructor(
    private readonly broker: RedisStreamBroker,
    private readonly options: RedisStreamReaderOptions,
  ) {
    this.consumer = options.consumer ?? 'featureflow';
  }

  async open(after: Positions): Promise<void> {
    const start = after[PARTITION] ?? '0';
    const url = this.broker.url ?? this.options.defaultUrl;
    // No offline queue and one retry: a dead Redis fails the activity (which Temporal retries) instead of piling up.
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined); // surfaced by the failing command; without a listener ioredis logs each retry
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new BrokerUnavailableError(`cannot reach the Redis holding stream ${this.broker.key}: ${(error as Error).message}`, { cause: error });
    }
    this.redis = redis;
    try {
      await this.positionGroup(redis, start);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async positionGroup(redis: Redis, start: string): Promise<void> {
    const { key, group } = this.broker;
    try {
      await redis.xgroup('CREATE', key, group, start, 'MKSTREAM');
      return;
    } catch (error) {
      if (!/^BUSYGROUP/.test((error as Error).message)) throw error;
    }
    const info = groupInfo(await redis.xinfo('GROUPS', key), group);
    if (info !== undefined && info.pending === 0 && comparePositions(info.lastDeliveredId, start) === 0) return;
    await redis.xgroup('DELCONSUMER', key, group, this.consumer);
    await redis.xgroup('SETID', key, group, start);
  }

  /** Runs a command of the reader; a failure (connection lost, group deleted) is a retryable broker error. */
  private async call<T>(what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = this.client();
    try {
      return await command(redis);
    } catch (error) {
      throw new BrokerUnavailableError(`Redis stream ${this.broker.key}, group ${this.broker.group}: ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async next(max: number, waitMs: number): Promise<StreamMessage[]> {
    // BLOCK 0 would wait forever: at least 1 ms.
    const block = Math.max(1, Math.round(waitMs));
    const { key, group } = this.broker;
    const reply = (await this.call('XREADGROUP', (redis) =>
      redis.xreadgroup('GROUP', group, this.consumer, 'COUNT', max, 'BLOCK', block, 'STREAMS', key, '>'),
    )) as ReadReply;
    const entries = reply?.[0]?.[1] ?? [];
    const out: StreamMessage[] = [];
    for (const [id, fields] of entries) {
      this.unacked.push(id);
      out.push({ partition: PARTITION, position: id, data: entryData(fields) });
    }
    return out;
  }

  async ack(upTo: Positions): Promise<void> {
    const position = upTo[PARTITION];
    if (position === undefined) return;
    let n = 0;
    while (n < this.unacked.length && comparePositions(this.unacked[n] as string, position) <= 0) n++;
    if (n === 0) return;
    const ids = this.unacked.slice(0, n);
    for (let i = 0; i < ids.length; i += ACK_CHUNK) {
      const chunk = ids.slice(i, i + ACK_CHUNK);
      await this.call('XACK', (redis) => redis.xack(this.broker.key, this.broker.group, ...chunk));
    }
    this.unacked = this.unacked.slice(n);
  }

  async pending(): Promise<number | undefined> {
    return groupInfo(await this.call('XINFO GROUPS', (redis) => redis.xinfo('GROUPS', this.broker.key)), this.broker.group)?.lag;
  }

  async close(): Promise<void> {
    const redis = this.redis;
    this.redis = undefined;
    this.unacked = [];
    if (redis === undefined) return;
    try {
      await redis.quit();
    } catch {
      redis.disconnect(); // already broken: nothing left to flush
    }
  }

  private client(): Redis {
    if (this.redis === undefined) throw new Error('RedisStreamReader: open() first');
    return this.redis;
  }
}
