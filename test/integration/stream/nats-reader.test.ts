// NatsReader against the real JetStream at 127.0.0.1:4222: each test makes its own stream (random name), deleted after.
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatsReader } from '../../../src/stream/brokers/nats.js';
import type { NatsBroker } from '../../../src/registry/stream-schema.js';
import type { StreamMessage } from '../../../src/stream/types.js';

const URL = process.env.FEATUREFLOW_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
let nc: NatsConnection;
let jsm: JetStreamManager;
const streams: string[] = [];
const readers: NatsReader[] = [];

beforeAll(async () => {
  nc = await connect({ servers: URL });
  jsm = await jetstreamManager(nc);
});

afterEach(async () => {
  for (const r of readers.splice(0)) await r.close();
});

afterAll(async () => {
  for (const s of streams) await jsm.streams.delete(s).catch(() => false);
  await nc.close();
});

/** A fresh stream holding `count` events on its subject, and a broker config reading it. */
async function streamWith(count: number): Promise<NatsBroker> {
  const id = randomBytes(6).toString('hex');
  const stream = `fftest_${id}`;
  const subject = `fftest.${id}.events`;
  await jsm.streams.add({ name: stream, subjects: [`fftest.${id}.>`] });
  streams.push(stream);
  await publish(subject, 1, count);
  return { kind: 'nats', url: URL, stream, subject, durable: `ff_${id}` };
}

async function publish(subject: string, from: number, to: number): Promise<void> {
  const js = jetstream(nc);
  for (let i = from; i <= to; i++) await js.publish(subject, JSON.stringify({ n: i }));
}

function reader(broker: NatsBroker): NatsReader {
  const r = new NatsReader(broker);
  readers.push(r);
  return r;
}

/** Reads until `count` messages came (or a poll returns nothing). */
async function readAll(r: NatsReader, count: number): Promise<StreamMessage[]> {
  const out: StreamMessage[] = [];
  while (out.length < count) {
    const batch = await r.next(count - out.length, 2000);
    if (batch.length === 0) break;
    out.push(...batch);
  }
  return out;
}

const seqs = (ms: StreamMessage[]): number[] => ms.map((m) => Number(m.position));
const ns = (ms: StreamMessage[]): number[] => ms.map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as { n: number }).n);

describe('NatsReader', () => {
  it('reads from the start of the stream when no position is stored, in sequence order', async () => {
    const broker = await streamWith(5);
    const r = reader(broker);
    await r.open({});
    const got = await readAll(r, 5);
    expect(seqs(got)).toEqual([1, 2, 3, 4, 5]);
    expect(ns(got)).toEqual([1, 2, 3, 4, 5]);
    expect(got.every((m) => m.partition === '0')).toBe(true);
  });

  it('starts exactly after the given position even when the durable consumer holds unacknowledged deliveries', async () => {
    const broker = await streamWith(10);
    const first = reader(broker);
    await first.open({});
    expect(seqs(await readAll(first, 7))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await first.ack({ '0': '2' }); // applied 1..2, delivered up to 7: a crash between write and ack
    await first.close();

    const second = reader(broker);
    await second.open({ '0': '4' }); // the tiles say 4 was applied
    expect(seqs(await readAll(second, 6))).toEqual([5, 6, 7, 8, 9, 10]);
    expect(await second.next(10, 50)).toEqual([]);
  });

  it('starts after the given position when the consumer is ahead of it (acknowledged past what the tiles hold)', async () => {
    const broker = await streamWith(6);
    const first = reader(broker);
    await first.open({});
    await readAll(first, 6);
    await first.ack({ '0': '6' });
    await first.close();

    const second = reader(broker);
    await second.open({ '0': '3' });
    expect(seqs(await readAll(second, 3))).toEqual([4, 5, 6]);
  });

  it('keeps a consumer that stands exactly at the position and delivers only new messages', async () => {
    const broker = await streamWith(3);
    const first = reader(broker);
    await first.open({});
    await readAll(first, 3);
    await first.ack({ '0': '3' });
    await first.close();
    const before = await jsm.consumers.info(broker.stream, broker.durable);

    const second = reader(broker);
    await second.open({ '0': '3' });
    const after = await jsm.consumers.info(broker.stream, broker.durable);
    expect(after.created).toBe(before.created); // not recreated
    expect(await second.pending()).toBe(0);
    await publish(broker.subject, 4, 5);
    await expect.poll(() => second.pending()).toBe(2);
    expect(seqs(await readAll(second, 2))).toEqual([4, 5]);
    expect(await second.pending()).toBe(0);
  });

  it('acknowledges every delivery up to the given position and no further', async () => {
    const broker = await streamWith(8);
    const r = reader(broker);
    await r.open({});
    await readAll(r, 8);
    const info = () => jsm.consumers.info(broker.stream, broker.durable);
    await r.ack({ '0': '5' });
    // The ack is not waited for: the server has it shortly after.
    await expect.poll(async () => (await info()).ack_floor.stream_seq).toBe(5);
    expect((await info()).num_ack_pending).toBe(3);
    await r.ack({ '0': '8' });
    await expect.poll(async () => (await info()).ack_floor.stream_seq).toBe(8);
    expect((await info()).num_ack_pending).toBe(0);
  });

  it('reports as pending the messages not yet returned by next()', async () => {
    const broker = await streamWith(4);
    const r = reader(broker);
    await r.open({ '0': '1' });
    expect(await r.pending()).toBe(3);
    await readAll(r, 3);
    expect(await r.pending()).toBe(0);
    await publish(broker.subject, 5, 6);
    await expect.poll(() => r.pending()).toBe(2);
  });

  it('returns at most max messages per call and nothing when the stream is drained', async () => {
    const broker = await streamWith(5);
    const r = reader(broker);
    await r.open({});
    const firstTwo = await readAll(r, 2);
    expect(seqs(firstTwo)).toEqual([1, 2]);
    expect(seqs(await readAll(r, 3))).toEqual([3, 4, 5]);
    expect(await r.next(5, 20)).toEqual([]);
  });

  it('fails with a retryable STREAM_BROKER_UNAVAILABLE naming a missing stream, and a dead server', async () => {
    const missing = reader({ kind: 'nats', url: URL, stream: `fftest_missing_${randomBytes(4).toString('hex')}`, subject: 'fftest.none', durable: 'd' });
    await expect(missing.open({})).rejects.toMatchObject({ code: 'STREAM_BROKER_UNAVAILABLE', retryable: true, message: expect.stringMatching(/has no stream fftest_missing_/) });
    const dead = reader({ kind: 'nats', url: 'nats://127.0.0.1:1', stream: 's', subject: 's', durable: 'd' });
    await expect(dead.open({})).rejects.toMatchObject({ code: 'STREAM_BROKER_UNAVAILABLE', retryable: true });
  });
});
