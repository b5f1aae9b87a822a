// The ingest loop over the real NATS JetStream (and Redis Streams) and Redis, SIGKILLed mid-stream 5 times (once right after a batch is
// written and before it is acknowledged) while events are still being published: the totals equal the events sent.
// The tiles are the test sink of test/helpers/stream-test-sink.ts (per-card count and sum with the real
// compare-and-set); the crash test over the real tiles reuses stream-child.ts once those are merged.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, NatsBroker, RedisStreamBroker } from '../../../src/registry/stream-schema.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import type { StreamChildConfig } from '../../helpers/stream-child.js';

const CHILD = fileURLToPath(new URL('../../helpers/stream-child.ts', import.meta.url));
const NATS_URL = process.env.FEATUREFLOW_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const TOTAL = 20_000;
const CARDS = 37;

const prefix = freshPrefix();
const id = randomBytes(6).toString('hex');
const nats: NatsBroker = { kind: 'nats', url: NATS_URL, stream: `fftest_${id}`, subject: `fftest.${id}.tx`, durable: `ff_${id}` };
const redisStream: RedisStreamBroker = { kind: 'redis-stream', key: `${prefix}events`, group: 'ingest' };
let nc: NatsConnection;
let jsm: JetStreamManager;
let redis: Redis;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: nats.stream, subjects: [nats.subject] });
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await jsm.streams.delete(nats.stream).catch(() => false);
  await nc.close();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

/** Event i: card i mod CARDS, an integer amount, a time within the last minute (never late, never ahead). */
function event(i: number): { card: string; amount: number; ts: string } {
  return { card: `c${i % CARDS}`, amount: (i * 7919) % 1000, ts: new Date(Date.now() - (i % 50) * 1000).toISOString() };
}

/** Publishes every event in chunks; resolves with the last position. */
async function publishAll(broker: Broker): Promise<string> {
  const js = jetstream(nc);
  let last = '';
  for (let i = 0; i < TOTAL; i += 250) {
    const events = Array.from({ length: Math.min(250, TOTAL - i) }, (_, k) => JSON.stringify(event(i + k)));
    if (broker.kind === 'nats') {
      const acks = await Promise.all(events.map((e) => js.publish(broker.subject, e)));
      last = String(acks.at(-1)?.seq);
    } else {
      const pipeline = redis.pipeline();
      for (const e of events) pipeline.xadd(`${prefix}events`, '*', 'data', e);
      const replies = (await pipeline.exec()) ?? [];
      last = String(replies.at(-1)?.[1]);
    }
  }
  return last;
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | string>;
  /** Events in the state after the child's last batch. */
  events: () => number;
}

function startChild(broker: Broker, extra: Partial<StreamChildConfig> = {}): Child {
  const config: StreamChildConfig = { broker, redisUrl: redisUrl(), prefix, batchMax: 300, ...extra };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  let events = 0;
  let out = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') markReady();
      const m = /^progress (\d+)$/.exec(line);
      if (m) events = Number(m[1]);
    }
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => {
    children.delete(child);
    resolve(code ?? signal ?? 'unknown');
  }));
  return { process: child, ready: Promise.race([ready, exited.then((c) => Promise.reject(new Error(`child exited early: ${c}`)))]), exited, events: () => events };
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

const stateEvents = async (): Promise<number> => Number((await redis.hget(`${prefix}state`, 'events')) ?? 0);

describe('stream ingest under SIGKILL', () => {
  it.each([
    ['NATS JetStream', nats],
    ['Redis Streams', redisStream],
  ] as const)('counts every event exactly once across 5 crashes of the consumer mid-stream (%s)', async (_, broker) => {
    await redis.unlink(`${prefix}state`, `${prefix}counts`, `${prefix}sums`);
    const publishing = publishAll(broker);
    const exits: Array<number | string> = [];
    for (let run = 0; run < 5; run++) {
      // Run 2 dies inside the loop between writing its 3rd batch and acknowledging it.
      const child = startChild(broker, run === 2 ? { crashAfterBatch: 3 } : {});
      await child.ready;
      if (run !== 2) {
        const start = await stateEvents();
        // Mid-stream: after it wrote at least two batches of its own, unless the stream ran dry meanwhile.
        await until(async () => child.events() >= start + 600 || (await stateEvents()) >= TOTAL);
        child.process.kill('SIGKILL');
      }
      exits.push(await child.exited);
    }
    expect(exits).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL']);
    const lastPosition = await publishing;

    const last = startChild(broker);
    await last.ready;
    await until(async () => (await stateEvents()) >= TOTAL);
    last.process.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const expectedCounts: Record<string, string> = {};
    const expectedSums: Record<string, string> = {};
    for (let i = 0; i < TOTAL; i++) {
      const e = event(i);
      expectedCounts[e.card] = String(Number(expectedCounts[e.card] ?? 0) + 1);
      expectedSums[e.card] = String(Number(expectedSums[e.card] ?? 0) + e.amount);
    }
    expect(await redis.hgetall(`${prefix}counts`)).toEqual(expectedCounts);
    expect(await redis.hgetall(`${prefix}sums`)).toEqual(expectedSums);
    const state = await redis.hgetall(`${prefix}state`);
    expect(state).toMatchObject({ positions: JSON.stringify({ '0': lastPosition }), events: String(TOTAL), late: '0', invalid: '0' });
    if (broker.kind === 'nats') {
      expect((await jsm.consumers.info(broker.stream, broker.durable)).ack_floor.stream_seq).toBe(TOTAL);
    } else {
      expect(((await redis.xpending(broker.key, broker.group)) as [number])[0]).toBe(0);
    }
  });
});
