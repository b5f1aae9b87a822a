// KafkaReader against a fake of the kafkajs consumer and admin it uses: no Kafka broker runs here. What this cannot
// show (timing of kafkajs's group join against its first fetch, multi-member rebalances) is listed in kafka.ts.
import { describe, expect, it } from 'vitest';
import { KafkaReader, type KafkaBatchPort, type KafkaPorts } from '../../../src/stream/brokers/kafka.js';
import type { KafkaBroker } from '../../../src/registry/stream-schema.js';
import type { StreamMessage } from '../../../src/stream/types.js';

const broker: KafkaBroker = { kind: 'kafka', brokers: ['kafka:9092'], topic: 'tx', groupId: 'ff-tx' };

class FakeKafka {
  readonly seeks: Array<{ partition: number; offset: string }> = [];
  readonly commits: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
  readonly resolved: string[] = [];
  subscribed: { topics: string[]; fromBeginning: boolean } | undefined;
  runConfig: { autoCommit: boolean; eachBatchAutoResolve: boolean; eachBatch: (p: KafkaBatchPort) => Promise<void> } | undefined;
  join: ((assignment: Record<string, number[]>) => void) | undefined;
  offsets = [
    { partition: 0, low: '0', high: '10' },
    { partition: 1, low: '5', high: '8' },
  ];
  disconnected = 0;
  heartbeats = 0;

  ports(): KafkaPorts {
    return {
      admin: {
        connect: async () => undefined,
        disconnect: async () => void this.disconnected++,
        fetchTopicOffsets: async () => this.offsets,
      },
      consumer: {
        connect: async () => undefined,
        disconnect: async () => void this.disconnected++,
        subscribe: async (s) => void (this.subscribed = s),
        run: async (c) => void (this.runConfig = c),
        seek: (t) => void this.seeks.push({ partition: t.partition, offset: t.offset }),
        commitOffsets: async (o) => void this.commits.push(o),
        onGroupJoin: (l) => void (this.join = l),
      },
    };
  }

  /** Delivers a batch of `offsets` on `partition` as kafkajs's eachBatch would. */
  deliver(partition: number, offsets: number[], running = () => true): Promise<void> {
    const config = this.runConfig;
    if (!config) throw new Error('not running');
    return config.eachBatch({
      batch: { topic: 'tx', partition, messages: offsets.map((o) => ({ offset: String(o), value: Buffer.from(`{"o":${o}}`) })) },
      resolveOffset: (o) => void this.resolved.push(`${partition}:${o}`),
      heartbeat: async () => void this.heartbeats++,
      isRunning: running,
      isStale: () => false,
    });
  }
}

async function opened(after: Record<string, string>): Promise<{ fake: FakeKafka; reader: KafkaReader }> {
  const fake = new FakeKafka();
  const reader = new KafkaReader(broker, () => fake.ports());
  await reader.open(after);
  return { fake, reader };
}

const pos = (ms: StreamMessage[]): string[] => ms.map((m) => `${m.partition}:${m.position}`);

describe('KafkaReader', () => {
  it('runs with autoCommit and auto-resolve off, subscribed to the topic', async () => {
    const { fake } = await opened({});
    expect(fake.runConfig).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
    expect(fake.subscribed).toEqual({ topics: ['tx'], fromBeginning: true });
  });

  it('seeks each assigned partition after its stored position, or to its low watermark when none is stored', async () => {
    const { fake } = await opened({ '0': '6' });
    fake.join?.({ tx: [0, 1], other: [3] });
    expect(fake.seeks).toEqual([
      { partition: 0, offset: '7' },
      { partition: 1, offset: '5' },
    ]);
  });

  it('re-seeks after a rebalance to just after what it already handed out', async () => {
    const { fake, reader } = await opened({ '0': '6' });
    fake.join?.({ tx: [0] });
    await fake.deliver(0, [7, 8]);
    expect(pos(await reader.next(10, 0))).toEqual(['0:7', '0:8']);
    fake.join?.({ tx: [0] });
    expect(fake.seeks.at(-1)).toEqual({ partition: 0, offset: '9' });
  });

  it('hands out each offset once, in order, dropping refetched and already-applied ones, and resolves them all', async () => {
    const { fake, reader } = await opened({ '0': '6' });
    await fake.deliver(0, [5, 6, 7, 8]);
    await fake.deliver(0, [8, 9]);
    await fake.deliver(1, [5]);
    expect(pos(await reader.next(3, 0))).toEqual(['0:7', '0:8', '0:9']);
    expect(pos(await reader.next(3, 0))).toEqual(['1:5']);
    expect(fake.resolved).toEqual(['0:5', '0:6', '0:7', '0:8', '0:8', '0:9', '1:5']);
    const [first] = await Promise.all([reader.next(5, 10_000), fake.deliver(1, [6])]);
    expect(pos(first)).toEqual(['1:6']);
  });

  it('commits the offset after each acknowledged position (Kafka commits the next offset to read)', async () => {
    const { fake, reader } = await opened({});
    await reader.ack({ '0': '9', '1': '5' });
    expect(fake.commits).toEqual([
      [
        { topic: 'tx', partition: 0, offset: '10' },
        { topic: 'tx', partition: 1, offset: '6' },
      ],
    ]);
    await reader.ack({});
    expect(fake.commits).toHaveLength(1);
  });

  it('reports as pending what the partitions hold after the last message received, plus what is queued', async () => {
    const { fake, reader } = await opened({ '0': '6' });
    // partition 0: high 10, next 7 -> 3; partition 1: high 8, next 5 (low) -> 3
    expect(await reader.pending()).toBe(6);
    await fake.deliver(0, [7, 8]);
    expect(await reader.pending()).toBe(6); // 1 + 3 in the broker, 2 queued
    await reader.next(10, 0);
    expect(await reader.pending()).toBe(4);
  });

  it('holds eachBatch (heartbeating) while its queue is full, until next() drains it', async () => {
    const { fake, reader } = await opened({});
    const offsets = Array.from({ length: 20_000 }, (_, i) => i);
    let done = false;
    const delivering = fake.deliver(0, offsets).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    expect((await reader.next(5000, 0)).length).toBe(5000);
    await delivering;
    expect(done).toBe(true);
    expect(fake.heartbeats).toBe(1);
  });

  it('turns a failure to reach the brokers into a retryable STREAM_BROKER_UNAVAILABLE and disconnects', async () => {
    const fake = new FakeKafka();
    const reader = new KafkaReader(broker, () => {
      const ports = fake.ports();
      ports.consumer.connect = async () => {
        throw new Error('ECONNREFUSED');
      };
      return ports;
    });
    await expect(reader.open({})).rejects.toMatchObject({ code: 'STREAM_BROKER_UNAVAILABLE', retryable: true });
    expect(fake.disconnected).toBe(2);
  });
});
