/**
 * End to end through Temporal with nothing faked: `featureflow stream start VIEW` on a worker built as `featureflow
 * worker` builds it (createFeatureflowWorker, whose ingestStream runs the real ingestion), events published to NATS
 * JetStream land in the Redis tiles and are served equal to DuckDB over the batch source, and `featureflow stream
 * status` shows the state stored with the tiles (positions, watermark, events, late, invalid, lag) besides the
 * workflow's; `stream stop` ends it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsBroker } from '../../../src/registry/stream-schema.js';
import { createFeatureflowWorker } from '../../../src/worker.js';
import { streamIngestWorkflowId } from '../../../src/workflows/shared.js';
import { runCli } from '../../helpers/cli.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import {
  batchAggregates,
  INGEST_FEATURES,
  INGEST_PROJECT,
  INGEST_VIEW,
  ingestStateKey,
  servedValues,
  writeIngestRepo,
  type IngestRepo,
  type TxEvent,
} from '../../helpers/stream-ingest-repo.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { waitFor } from './helpers/wait.js';

const NATS_URL = process.env.FEATUREFLOW_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const EVENTS = 1500;
const INVALID = 3;
const id = randomBytes(6).toString('hex');
const nats: NatsBroker = { kind: 'nats', url: NATS_URL, stream: `fftest_${id}`, subject: `fftest.${id}.tx`, durable: `ff_${id}` };
const prefix = freshPrefix();
const BASE_MS = Date.now();

let env: TestWorkflowEnvironment;
let nc: NatsConnection;
let jsm: JetStreamManager;
let redis: Redis;
let repo: IngestRepo;

function event(i: number): TxEvent {
  return { card_id: 1 + (i % 11), amount: i % 9 === 0 ? null : (i * 37) % 1000, merchant: `m${i % 5}`, ts: new Date(BASE_MS - (i % 40) * 1000).toISOString() };
}
const events = Array.from({ length: EVENTS }, (_, i) => event(i));

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: nats.stream, subjects: [nats.subject] });
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  repo = await writeIngestRepo({ broker: nats, keyPrefix: `${prefix}ff`, redisUrl: redisUrl(), events });
  env = await startDevServer();
});

afterAll(async () => {
  await env?.teardown();
  await jsm?.streams.delete(nats.stream).catch(() => false);
  await nc?.close();
  if (redis) {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  }
  repo?.cleanup();
});

describe('featureflow stream on a real worker', () => {
  it('ingests events published to NATS into the tiles, and status shows the state stored with them', async () => {
    const queue = `stream-e2e-${randomUUID()}`;
    const workflowId = streamIngestWorkflowId(INGEST_PROJECT, INGEST_VIEW);
    const ff = await createFeatureflowWorker({ configPath: repo.config, address: env.address, taskQueue: queue, engine: { threads: 1, memoryLimit: '256MB' } });
    const running = ff.run();
    const cli = (...args: string[]) => runCli('stream', ...args, '--config', repo.config, '--address', env.address, '--task-queue', queue);
    try {
      const started = await cli('start', INGEST_VIEW);
      expect(started.err).toBe('');
      expect(started.out).toContain(`Started stream ingestion of ${INGEST_VIEW}: workflow ${workflowId}`);

      const js = jetstream(nc);
      const messages = events.map((e) => JSON.stringify(e));
      // Invalid messages among them: not JSON, no join key, no time.
      messages.splice(100, 0, '{"card_id": ');
      messages.splice(700, 0, JSON.stringify({ amount: 1, merchant: 'm', ts: new Date(BASE_MS).toISOString() }));
      messages.splice(1200, 0, JSON.stringify({ card_id: 1, amount: 1, merchant: 'm' }));
      let last = 0;
      for (let i = 0; i < messages.length; i += 250) {
        const acks = await Promise.all(messages.slice(i, i + 250).map((m) => js.publish(nats.subject, m)));
        last = acks.at(-1)?.seq ?? last;
      }
      expect(last).toBe(EVENTS + INVALID);

      const stateKey = ingestStateKey(repo.keyPrefix);
      const state = await waitFor('every message in the stored state, caught up', async () => {
        const h = await redis.hgetall(stateKey);
        return h.positions === JSON.stringify({ '0': String(last) }) && h.pending === '0' && Number(h.caughtUpAt) > 0 ? h : undefined;
      });
      expect(state).toMatchObject({ events: String(EVENTS), late: '0', invalid: String(INVALID) });
      expect(Number(state.watermark)).toBe(BASE_MS * 1000);

      const batch = await batchAggregates(repo.parquet);
      const cards = [...batch.keys()];
      expect(cards).toHaveLength(11);
      const served = await servedValues(redis, repo.keyPrefix, cards, BASE_MS * 1000);
      for (const card of cards) {
        // Both windows (10m, 1h) hold every event at BASE_MS.
        const expected = INGEST_FEATURES.map((_, f) => [batch.get(card)?.[f], batch.get(card)?.[f]]);
        expect({ card, values: served.get(card) }).toEqual({ card, values: expected });
      }

      const status = await cli('status', INGEST_VIEW);
      expect(status.code).toBe(0);
      expect(status.out).toContain(`${workflowId}: RUNNING`);
      expect(status.out).toMatch(/ingest run: running, attempt 1/);
      expect(status.out).toMatch(
        new RegExp(`stored state \\(Redis, updated [^)]+\\): positions \\{"0":"${last}"\\}, watermark ${new Date(BASE_MS).toISOString().replace(/\./g, '\\.')}`),
      );
      expect(status.out).toMatch(/\n {4}1,500 events( \([\d.]+\/s\))?, 0 late, 3 invalid; lag 0 messages, caught up \S+ \(\d+s ago\)/);
      const json = JSON.parse((await cli('status', INGEST_VIEW, '--json')).out) as { status: string; stored: { state: Record<string, unknown> } };
      expect(json.status).toBe('RUNNING');
      expect(json.stored.state).toMatchObject({ positions: { '0': String(last) }, events: EVENTS, late: 0, invalid: INVALID, pending: 0 });

      const stopped = await cli('stop', INGEST_VIEW);
      expect(stopped.out).toContain(`Stopped stream ingestion of ${INGEST_VIEW} (workflow ${workflowId}).`);
      // The consumer acknowledged everything it wrote before it stopped.
      expect((await jsm.consumers.info(nats.stream, nats.durable)).ack_floor.stream_seq).toBe(last);
    } finally {
      if (ff.worker.getState() === 'RUNNING') ff.worker.shutdown();
      await running;
    }
  });
});
