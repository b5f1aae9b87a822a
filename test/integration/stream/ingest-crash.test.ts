// The real ingestion of a stream view (src/stream/run.ts: broker reader, DuckDB partials, the Redis tiles written by
// stream-apply.lua) over the real NATS JetStream (and Redis Streams) and Redis, SIGKILLed mid-stream 5 times (once
// right after a batch's tiles are written and before the broker is acknowledged) while events are still being
// published. Afterwards the values served from the tiles (readStreamTiles + windowValues, as serving reads them) equal
// the same aggregates computed by DuckDB over the batch source holding the same events, exactly: no event lost or
// counted twice, in any tile, for counts, sums, min, max and count_distinct; the stored counters are exact too.
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
import {
  batchAggregates,
  INGEST_FEATURES,
  INGEST_VIEW,
  INGEST_WINDOWS,
  ingestStateKey,
  servedValues,
  writeIngestRepo,
  type IngestRepo,
  type TxEvent,
} from '../../helpers/stream-ingest-repo.js';

const CHILD = fileURLToPath(new URL('../../helpers/stream-child.ts', import.meta.url));
const NATS_URL = process.env.FEATUREFLOW_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const TOTAL = 20_000;
const CARDS = 37;
/** Every INVALID_EVERY-th message is not JSON: skipped and counted, exactly once too. */
const INVALID_EVERY = 2000;

const prefix = freshPrefix();
const id = randomBytes(6).toString('hex');
const nats: NatsBroker = { kind: 'nats', url: NATS_URL, stream: `fftest_${id}`, subject: `fftest.${id}.tx`, durable: `ff_${id}` };
const redisStream: RedisStreamBroker = { kind: 'redis-stream', key: `${prefix}events`, group: 'ingest' };
let nc: NatsConnection;
let jsm: JetStreamManager;
let redis: Redis;
const repos: IngestRepo[] = [];
const children = new Set<ChildProcess>();
/** Events are in the last 50 s before this instant: never late, never ahead of the clock. */
const BASE_MS = Date.now();

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: nats.stream, subjects: [nats.subject] });
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const r of repos) r.cleanup();
  await jsm.streams.delete(nats.stream).catch(() => false);
  await nc.close();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

/** Message i: card i mod CARDS, an integer amount (some null), a merchant, a time within the 50 s before BASE_MS. */
function event(i: number): TxEvent {
  return {
    card_id: 1 + (i % CARDS),
    amount: i % 13 === 0 ? null : (i * 7919) % 1000,
    merchant: `m${(i * 31) % 17}`,
    ts: new Date(BASE_MS - (i % 50) * 1000 - (i % 7)).toISOString(),
  };
}

const isInvalid = (i: number): boolean => i % INVALID_EVERY === INVALID_EVERY - 1;
const validEvents = (): TxEvent[] => Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !isInvalid(i)).map(event);

/** Publishes every message in chunks; resolves with the last position. */
async function publishAll(broker: Broker): Promise<string> {
  const js = jetstream(nc);
  let last = '';
  for (let i = 0; i < TOTAL; i += 250) {
    const messages = Array.from({ length: Math.min(250, TOTAL - i) }, (_, k) => (isInvalid(i + k) ? '{"card_id": 1, ' : JSON.stringify(event(i + k))));
    if (broker.kind === 'nats') {
      const acks = await Promise.all(messages.map((m) => js.publish(broker.subject, m)));
      last = String(acks.at(-1)?.seq);
    } else if (broker.kind === 'redis-stream') {
      const pipeline = redis.pipeline();
      for (const m of messages) pipeline.xadd(broker.key, '*', 'data', m);
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
  /** The view's stored events after the child's last batch. */
  events: () => number;
}

function startChild(repo: IngestRepo, extra: Partial<StreamChildConfig> = {}): Child {
  const config: StreamChildConfig = { configPath: repo.config, view: INGEST_VIEW, batchMax: 300, ...extra };
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
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { process: child, ready: Promise.race([ready, exited.then((c) => Promise.reject(new Error(`child exited early: ${c}`)))]), exited, events: () => events };
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe('stream ingest under SIGKILL, over the real tiles', () => {
  it.each([
    ['NATS JetStream', nats],
    ['Redis Streams', redisStream],
  ] as const)('serves exactly the batch aggregates after 5 crashes of the consumer mid-stream (%s)', async (_, broker) => {
    const keyPrefix = `${prefix}${broker.kind === 'nats' ? 'n' : 'r'}`;
    const repo = await writeIngestRepo({ broker, keyPrefix, redisUrl: redisUrl(), events: validEvents() });
    repos.push(repo);
    const stateKey = ingestStateKey(keyPrefix);
    const stateEvents = async (): Promise<number> => Number((await redis.hget(stateKey, 'events')) ?? 0);
    const valid = TOTAL - Math.floor(TOTAL / INVALID_EVERY);
    const publishing = publishAll(broker);
    const exits: Array<number | string> = [];
    for (let run = 0; run < 5; run++) {
      // Run 2 dies inside the loop between writing its 3rd batch and acknowledging it.
      const child = startChild(repo, run === 2 ? { crashBeforeAck: 3 } : {});
      await child.ready;
      if (run !== 2) {
        const start = await stateEvents();
        // Mid-stream: after it wrote at least two batches of its own, unless the stream ran dry meanwhile.
        await until(async () => child.events() >= start + 600 || (await stateEvents()) >= valid);
        child.process.kill('SIGKILL');
      }
      exits.push(await child.exited);
    }
    expect(exits).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL']);
    const lastPosition = await publishing;

    const last = startChild(repo);
    await last.ready;
    await until(async () => (await redis.hget(stateKey, 'positions')) === JSON.stringify({ '0': lastPosition }));
    last.process.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const state = await redis.hgetall(stateKey);
    expect(state).toMatchObject({ events: String(valid), late: '0', invalid: String(TOTAL - valid) });
    const batch = await batchAggregates(repo.parquet);
    expect(batch.size).toBe(CARDS);
    const cards = [...batch.keys()];
    // At BASE_MS every event is inside both windows (the oldest is 50 s earlier).
    const served = await servedValues(redis, keyPrefix, cards, BASE_MS * 1000);
    for (const card of cards) {
      const expected = batch.get(card) ?? [];
      const got = served.get(card) ?? [];
      INGEST_FEATURES.forEach((f, fi) =>
        INGEST_WINDOWS.forEach((w, wi) => expect({ card, feature: `${f.name}_${w}`, value: got[fi]?.[wi] }).toEqual({ card, feature: `${f.name}_${w}`, value: expected[fi] })),
      );
    }
    // Not vacuous: the sums hold every amount.
    const totalServed = cards.reduce((sum, card) => sum + Number(served.get(card)?.[3]?.[0] ?? 0), 0);
    expect(totalServed).toBe(validEvents().reduce((sum, e) => sum + (e.amount ?? 0), 0));
    if (broker.kind === 'nats') {
      expect((await jsm.consumers.info(broker.stream, broker.durable)).ack_floor.stream_seq).toBe(TOTAL);
    } else {
      expect(((await redis.xpending(broker.key, broker.group)) as [number])[0]).toBe(0);
    }
  });
});
