/**
 * Kafka reader (kafkajs): a group consumer with autoCommit off. On every group join it seeks each assigned partition
 * to the position after the last one handed out (at open: after the stored position, or the partition's low
 * watermark when none is stored), and it commits offsets (position + 1, Kafka's "next to read") only in ack(), after
 * the tiles are written. Messages are handed from kafkajs's eachBatch into a bounded local queue that next() drains;
 * eachBatch waits (heartbeating) while the queue is full, and a message at or before the last one handed out for its
 * partition (a refetch after a rebalance or a seek) is dropped, so next() returns each offset once and in order.
 * Featureflow runs one consumer per view, so one member holds every partition.
 *
 * Tested only against a fake of the ports below (test/unit/stream/kafka-reader.test.ts): no Kafka broker runs on
 * the development machine. NOT exercised against a real broker: kafkajs's timing of GROUP_JOIN versus the first
 * fetch (we rely on seek() discarding in-flight batches, as kafkajs documents), rebalances with several members,
 * commitOffsets on a revoked partition, and the adapters kafkajsPorts() builds from the real client.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaBroker } from '../../registry/stream-schema.js';
import { BrokerUnavailableError } from '../errors.js';
import type { BrokerReader, Positions, StreamMessage } from '../types.js';

/** What eachBatch gets; kafkajs's EachBatchPayload fits it. */
export interface KafkaBatchPort {
  batch: { topic: string; partition: number; messages: ReadonlyArray<{ offset: string; value: Buffer | null }> };
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
}

/** The part of a kafkajs Consumer the reader uses. */
export interface KafkaConsumerPort {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[]; fromBeginning: boolean }): Promise<void>;
  run(config: { autoCommit: boolean; eachBatchAutoResolve: boolean; eachBatch: (payload: KafkaBatchPort) => Promise<void> }): Promise<void>;
  seek(target: { topic: string; partition: number; offset: string }): void;
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
  /** Called with topic -> partitions after each group join (kafkajs's GROUP_JOIN memberAssignment). */
  onGroupJoin(listener: (assignment: Record<string, number[]>) => void): void;
}

/** The part of a kafkajs Admin the reader uses. */
export interface KafkaAdminPort {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string; low: string }>>;
}

export interface KafkaPorts {
  consumer: KafkaConsumerPort;
  admin: KafkaAdminPort;
}

/** The real kafkajs client behind the ports. */
export function kafkajsPorts(broker: KafkaBroker): KafkaPorts {
  const kafka = new Kafka({ clientId: broker.clientId ?? 'featureflow', brokers: broker.brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: broker.groupId });
  return {
    admin: kafka.admin(),
    consumer: {
      connect: () => consumer.connect(),
      disconnect: () => consumer.disconnect(),
      subscribe: (subscription) => consumer.subscribe(subscription),
      run: (config) => consumer.run(config),
      seek: (target) => consumer.seek(target),
      commitOffsets: (offsets) => consumer.commitOffsets(offsets),
      onGroupJoin: (listener) => {
        consumer.on(consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment));
      },
    },
  };
}

/** Messages queued at most (per reader) before eachBatch waits for next() to drain them. */
const QUEUE_LIMIT = 20_000;
const EMPTY = new Uint8Array(0);

export class KafkaReader implements BrokerReader {
  private ports: KafkaPorts | undefined;
  private queue: StreamMessage[] = [];
  /** Partition -> greatest offset queued (received from the broker). */
  private readonly received = new Map<number, bigint>();
  /** Partition -> low watermark at open, for partitions with no stored position. */
  private readonly low = new Map<number, bigint>();
  private wakeReader: (() => void) | undefined;
  private wakeBatch: (() => void) | undefined;

  constructor(
    private readonly broker: KafkaBroker,
    private readonly makePorts: (broker: KafkaBroker) => KafkaPorts = kafkajsPorts,
  ) {}

  async open(after: Positions): Promise<void> {
    const ports = this.makePorts(this.broker);
    this.ports = ports;
    const { topic } = this.broker;
    for (const [partition, position] of Object.entries(after)) this.received.set(Number(partition), BigInt(position));
    try {
      await ports.admin.connect();
      for (const o of await ports.admin.fetchTopicOffsets(topic)) this.low.set(o.partition, BigInt(o.low));
      await ports.consumer.connect();
      ports.consumer.onGroupJoin((assignment) => this.seekAssigned(assignment[topic] ?? []));
      await ports.consumer.subscribe({ topics: [topic], fromBeginning: true });
      await ports.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    } catch (error) {
      await this.close();
      throw new BrokerUnavailableError(`cannot consume Kafka topic ${topic} from ${this.broker.brokers.join(', ')}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The offset to resume a partition at: after the last one received, else its low watermark, else 0. */
  private resumeOffset(partition: number): bigint {
    const last = this.received.get(partition);
    return last !== undefined ? last + 1n : this.low.get(partition) ?? 0n;
  }

  private seekAssigned(partitions: readonly number[]): void {
    const ports = this.ports;
    if (ports === undefined) return;
    for (const partition of partitions) {
      ports.consumer.seek({ topic: this.broker.topic, partition, offset: String(this.resumeOffset(partition)) });
    }
  }

  private async onBatch(payload: KafkaBatchPort): Promise<void> {
    const { batch } = payload;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      const last = this.received.get(batch.partition);
      if (last === undefined || offset > last) {
        this.received.set(batch.partition, offset);
        this.queue.push({ partition: String(batch.partition), position: m.offset, data: m.value ?? EMPTY });
      }
      // Resolving moves only kafkajs's in-memory fetch position; the group's committed offset moves in ack().
      payload.resolveOffset(m.offset);
    }
    this.wakeReader?.();
    while (this.queue.length >= QUEUE_LIMIT && payload.isRunning() && !payload.isStale()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        this.wakeBatch = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeBatch = undefined;
      await payload.heartbeat();
    }
  }

  async next(max: number, waitMs: number): Promise<StreamMessage[]> {
    if (this.queue.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wakeReader = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeReader = undefined;
    }
    const taken = this.queue.splice(0, max);
    if (this.queue.length < QUEUE_LIMIT) this.wakeBatch?.();
    return taken;
  }

  async ack(upTo: Positions): Promise<void> {
    const offsets = Object.entries(upTo).map(([partition, position]) => ({
      topic: this.broker.topic,
      partition: Number(partition),
      offset: String(BigInt(position) + 1n),
    }));
    if (offsets.length > 0) await this.requirePorts().consumer.commitOffsets(offsets);
  }

  /** Messages after the last one received, summed over partitions, plus those queued and not yet read. */
  async pending(): Promise<number | undefined> {
    let behind = BigInt(this.queue.length);
    for (const o of await this.requirePorts().admin.fetchTopicOffsets(this.broker.topic)) {
      const gap = BigInt(o.high) - this.resumeOffset(o.partition);
      if (gap > 0n) behind += gap;
    }
    return Number(behind);
  }

  async close(): Promise<void> {
    const ports = this.ports;
    this.ports = undefined;
    this.queue = [];
    this.wakeBatch?.();
    if (ports === undefined) return;
    try {
      await ports.consumer.disconnect();
    } finally {
      await ports.admin.disconnect();
    }
  }

  private requirePorts(): KafkaPorts {
    if (this.ports === undefined) throw new Error('KafkaReader: open() first');
    return this.ports;
  }
}
