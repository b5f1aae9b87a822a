/**
 * The NATS server SIGKILLed under a running ingest loop and restarted from its store: the reader fails with a
 * retryable STREAM_BROKER_UNAVAILABLE (messages on the wire at the kill would otherwise come back only after
 * ack_wait), the supervisor here retries as Temporal would, and the totals equal the events published before and
 * after the outage. The nats-server is the test's own (random port, temp store); the shared one is never touched.
 * The tiles are the test sink (test/helpers/stream-test-sink.ts) on the shared Redis under a fresh prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsReader } from '../../src/stream/brokers/nats.js';
import { runStreamIngest } from '../../src/stream/ingest.js';
import { FeatureflowError } from '../../src/registry/errors.js';
import type { NatsBroker } from '../../src/registry/stream-schema.js';
import { freePort } from '../helpers/free-port.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../helpers/redis.js';
import { cardPartials, RedisTestSink } from '../helpers/stream-test-sink.js';

const BEFORE = 4000;
const AFTER = 4000;
const KILL_AT = 1500;

let storeDir: string;
let port: number;
let server: ChildProcess | undefined;
let redis: Redis;
const prefix = freshPrefix();

async function startServer(): Promise<void> {
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore' });
  server = child;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    try {
      const nc = await connect({ servers: url(), reconnect: false });
      await jetstreamManager(nc); // JetStream ready, not only the socket
      await nc.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const url = (): string => `nats://127.0.0.1:${port}`;

beforeAll(async () => {
  storeDir = mkdtempSync(path.join(tmpdir(), 'ff-nats-'));
  port = await freePort();
  await startServer();
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  server?.kill('SIGKILL');
  rmSync(storeDir, { recursive: true, force: true });
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

async function publish(nc: NatsConnection, subject: string, from: number, to: number): Promise<void> {
  const js = jetstream(nc);
  for (let i = from; i < to; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, to - i) }, (_, k) => js.publish(subject, JSON.stringify({ card: `c${(i + k) % 13}`, amount: (i + k) % 97, ts: Date.now() }))),
    );
  }
}

describe('stream ingest across a NATS server crash', () => {
  it('fails retryably, resumes from the stored positions and counts every event once', async () => {
    const broker: NatsBroker = { kind: 'nats', url: url(), stream: 'events', subject: 'events.tx', durable: 'ingest' };
    let nc = await connect({ servers: url(), reconnect: false });
    await (await jetstreamManager(nc)).streams.add({ name: broker.stream, subjects: [broker.subject] });
    await publish(nc, broker.subject, 0, BEFORE);
    await nc.close();

    const sink = new RedisTestSink(redis, prefix);
    const failures: unknown[] = [];
    let killed: Promise<void> | undefined;
    const total = BEFORE + AFTER;
    for (let attempt = 0; attempt < 200; attempt++) {
      const controller = new AbortController();
      try {
        await runStreamIngest({
          view: 'v',
          rules: { joinKeys: ['card'], timestampField: 'ts', allowedLatenessMicros: 3_600_000_000 },
          reader: new NatsReader(broker),
          sink,
          partials: cardPartials,
          signal: controller.signal,
          batchMax: 250,
          onProgress: (p) => {
            if (p.events >= KILL_AT && killed === undefined) {
              const victim = server;
              victim?.kill('SIGKILL');
              killed = new Promise<void>((resolve) => victim?.once('exit', () => resolve())).then(startServer);
            }
            if (p.events >= total) controller.abort();
          },
        });
        break; // aborted: everything counted
      } catch (error) {
        failures.push(error);
        await killed; // the supervisor's backoff: the server is back by then
        if (failures.length === 1) {
          nc = await connect({ servers: url(), reconnect: false });
          await publish(nc, broker.subject, BEFORE, total);
          await nc.close();
        }
      }
    }

    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toBeInstanceOf(FeatureflowError);
    expect(failures[0]).toMatchObject({ code: 'STREAM_BROKER_UNAVAILABLE', retryable: true });
    const counts: Record<string, string> = {};
    const sums: Record<string, string> = {};
    for (let i = 0; i < total; i++) {
      const card = `c${i % 13}`;
      counts[card] = String(Number(counts[card] ?? 0) + 1);
      sums[card] = String(Number(sums[card] ?? 0) + (i % 97));
    }
    expect(await redis.hgetall(sink.countsKey)).toEqual(counts);
    expect(await redis.hgetall(sink.sumsKey)).toEqual(sums);
    expect(await redis.hget(sink.stateKey, 'positions')).toBe(JSON.stringify({ '0': String(total) }));
  });
});
