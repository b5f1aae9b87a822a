/**
 * A throwaway JetStream stream of card transactions for the stream benches: created with a random name, filled by
 * core publishes (the server stores them; no per-message ack round trip) and deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsBroker } from '../../src/registry/stream-schema.js';

export const NATS_URL = process.env.FEATUREFLOW_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface BenchStream {
  nc: NatsConnection;
  jsm: JetStreamManager;
  subject: string;
  broker(durable: string): NatsBroker;
  /** Messages the stream holds now. */
  count(): Promise<number>;
  remove(): Promise<void>;
}

export async function createBenchStream(): Promise<BenchStream> {
  const nc = await connect({ servers: NATS_URL, name: 'featureflow-bench-stream' });
  const jsm = await jetstreamManager(nc);
  const id = randomBytes(5).toString('hex');
  const name = `ffbench_${id}`;
  const subject = `ffbench.${id}.tx`;
  await jsm.streams.add({ name, subjects: [subject] });
  return {
    nc,
    jsm,
    subject,
    broker: (durable) => ({ kind: 'nats', url: NATS_URL, stream: name, subject, durable }),
    count: async () => (await jsm.streams.info(name)).state.messages,
    async remove() {
      await jsm.streams.delete(name).catch(() => false);
      await nc.close();
    },
  };
}

/** Publishes `count` messages made by `make(i)`, flushing every `chunk` so the client's buffer stays bounded. */
export async function publishAll(stream: BenchStream, count: number, make: (i: number) => string, chunk = 10_000): Promise<void> {
  for (let i = 0; i < count; i++) {
    stream.nc.publish(stream.subject, make(i));
    if (i % chunk === chunk - 1) await stream.nc.flush();
  }
  await stream.nc.flush();
  // Core publishes are stored asynchronously: wait until the stream holds them all.
  for (let waited = 0; (await stream.count()) < count; waited += 100) {
    if (waited > 60_000) throw new Error(`the stream holds ${await stream.count()} of ${count} messages after 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
