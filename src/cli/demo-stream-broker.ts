/**
 * The demo's broker for card transactions: NATS JetStream when a server answers at the demo's NATS URL, else a Redis
 * Stream on the demo's own Redis, so the demo works on a machine with Redis alone. The choice is made before the repo
 * is loaded and passed to it as FEATUREFLOW_DEMO_STREAM (examples/fraud/featureflow.config.ts reads it), so the CLI,
 * the worker and the API of this process all see the same source. A publisher writes to whichever it is.
 */
import net from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { Broker } from '../registry/stream-schema.js';

export const DEMO_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Whether something accepts TCP connections at the NATS URL's host and port (within `timeoutMs`). */
function reachable(url: string, timeoutMs: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 4222) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Sets FEATUREFLOW_DEMO_STREAM unless the caller did; says which broker the demo streams through, and why. */
export async function chooseDemoBroker(natsUrl = DEMO_NATS_URL, env: NodeJS.ProcessEnv = process.env): Promise<{ kind: 'nats' | 'redis-stream'; why: string }> {
  const given = env.FEATUREFLOW_DEMO_STREAM;
  if (given === 'nats' || given === 'redis-stream') return { kind: given, why: 'FEATUREFLOW_DEMO_STREAM' };
  const kind = (await reachable(natsUrl, 500)) ? 'nats' : 'redis-stream';
  env.FEATUREFLOW_DEMO_STREAM = kind;
  return { kind, why: kind === 'nats' ? `${natsUrl} answered` : `no NATS server at ${natsUrl}` };
}

export interface DemoPublisher {
  /** Where the events go, for the demo's output. */
  describe: string;
  publish(events: ReadonlyArray<Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A publisher to the source's broker, with the broker emptied first: events of an earlier demo run would be read
 * again from the start, since the demo clears the view's stored position with the rest of the project's keys.
 */
export async function openDemoPublisher(broker: Broker, redisUrl: string): Promise<DemoPublisher> {
  switch (broker.kind) {
    case 'nats': {
      const nc: NatsConnection = await connect({ servers: broker.url, name: 'featureflow-demo-publisher' });
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(broker.stream);
        await jsm.streams.purge(broker.stream);
        // The durable consumer remembers delivered sequences of the purged stream; the reader recreates it.
        await jsm.consumers.delete(broker.stream, broker.durable).catch(() => false);
      } catch {
        await jsm.streams.add({ name: broker.stream, subjects: [broker.subject], max_age: 24 * 3600 * 1e9 });
      }
      return {
        describe: `NATS JetStream stream ${broker.stream} (subject ${broker.subject}) at ${broker.url}`,
        async publish(events) {
          for (const e of events) nc.publish(broker.subject, JSON.stringify(e));
          await nc.flush();
        },
        close: () => nc.close(),
      };
    }
    case 'redis-stream': {
      const url = broker.url ?? redisUrl;
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      await redis.del(broker.key);
      return {
        describe: `Redis Stream ${broker.key} at ${url.replace(/\/\/[^@/]*@/, '//')}`,
        async publish(events) {
          const pipeline = redis.pipeline();
          // Capped like a real producer would: the demo's stream need not grow without end.
          for (const e of events) pipeline.xadd(broker.key, 'MAXLEN', '~', '100000', '*', 'data', JSON.stringify(e));
          await pipeline.exec();
        },
        async close() {
          redis.disconnect();
        },
      };
    }
    case 'kafka':
      throw new Error('the demo publishes to NATS JetStream or a Redis Stream, not Kafka');
  }
}
