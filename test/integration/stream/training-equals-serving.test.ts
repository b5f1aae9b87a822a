// Training equals serving, end to end: card transactions published to a Redis Stream are ingested by the real loop
// (ingestView: broker reader, DuckDB partials, Lua tile writes) while time moves forward; at random request times the
// online store's answer (RedisOnlineStore.read, as /get-online-features gets it) equals `historical`
// (getHistoricalFeatures) at the same instant, for every function and window.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { streamStateKey } from '../../../src/online/keys.js';
import type { FeatureValue } from '../../../src/online/tile-codec.js';
import { ingestView } from '../../../src/stream/run.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { compareRow, FEATURES, generate, STREAM_REPO, TX_TABLE, WINDOWS, type Ev } from '../../helpers/stream-events.js';
import { literal } from '../../../src/engine/sql.js';

const prefix = freshPrefix();
const keyPrefix = `${prefix}ff`;
const streamKey = `${prefix}tx`;
const REPO = {
  ...STREAM_REPO,
  onlineStore: { url: redisUrl(), keyPrefix },
  sources: [
    STREAM_REPO.sources[0] as (typeof STREAM_REPO.sources)[0],
    { ...(STREAM_REPO.sources[1] as (typeof STREAM_REPO.sources)[1]), broker: { kind: 'redis-stream' as const, key: streamKey, group: 'ff' } },
  ],
  featureViews: [{ name: 'live', entities: ['card'], source: 'tx', aggregation: { cadence: '1m', windows: WINDOWS, features: FEATURES } }],
};

const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
let engine: TestEngine;
let store: RedisOnlineStore;

beforeAll(async () => {
  await redis.connect();
  engine = await testEngine(REPO, { tx: TX_TABLE });
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
});

afterAll(async () => {
  await store?.close();
  engine?.close();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

/** ISO text to the microsecond, as a producer would write it. */
function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return new Date(ms).toISOString().replace('Z', `${String(micros - ms * 1000).padStart(3, '0')}Z`);
}

const num = (v: number | null): string => (v === null ? 'NULL' : String(v));

describe('a stream view, ingested from a broker', () => {
  it('serves at each instant what historical computes for it', async () => {
    const { events, requests: drawn } = generate(5);
    const ordered = [...events].sort((a, b) => a.micros - b.micros);
    // Serving reads at millisecond times: requests are drawn to the millisecond, in time order.
    const requests = drawn.map((r) => ({ card: r.card, t: Math.floor(r.t / 1000) * 1000 })).sort((a, b) => a.t - b.t);
    await engine.run(
      `INSERT INTO tx VALUES ${events.map((e) => `(${num(e.card)}, ${num(e.amount)}, ${e.merchant === null ? 'NULL' : literal(e.merchant)}, ${literal(e.kind)}, make_timestamptz(${e.micros}))`).join(', ')}`,
    );
    const rows = requests.map((r) => ({ card_id: r.card, event_timestamp: isoMicros(r.t) }));
    const set = await getHistoricalFeatures(engine.ctx, { rows }, ['live:*']);
    const trained = await set.toRows().finally(() => set.close());

    const layout = viewLayout(engine.ctx.repo, 'live');
    const features = layout.features.map((feature) => ({ layout, feature }));
    const abort = new AbortController();
    const running = ingestView({ ctx: engine.ctx, view: 'live', redis, keyPrefix, redisUrl: redisUrl(), signal: abort.signal, log: () => {}, waitMs: 10 });
    let published = 0;
    let nonEmpty = 0;
    try {
      for (const [i, request] of requests.entries()) {
        const due = ordered.filter((e: Ev, k) => k >= published && e.micros <= request.t);
        for (const e of due) {
          const data = JSON.stringify({ card_id: e.card, amount: e.amount, merchant: e.merchant, kind: e.kind, ts: isoMicros(e.micros) });
          await redis.xadd(streamKey, '*', 'data', data);
        }
        published += due.length;
        // Caught up once every published message is counted: applied, or invalid (a null card).
        await expect.poll(async () => {
          const [applied, invalid] = await redis.hmget(streamStateKey(keyPrefix, 'st', 'live'), 'events', 'invalid');
          return Number(applied ?? 0) + Number(invalid ?? 0);
        }, { timeout: 20_000, interval: 20 }).toBe(published);
        const columns = await store.read({ entities: { card_id: [request.card] }, features, nowMs: request.t / 1000 });
        const served: FeatureValue[][] = FEATURES.map((_, f) => WINDOWS.map((__, w) => (columns[f * WINDOWS.length + w]?.values[0] ?? null) as FeatureValue));
        nonEmpty += compareRow(i, request, trained[i], served);
      }
    } finally {
      abort.abort();
      await running;
    }
    expect(published).toBeGreaterThan(400);
    expect(nonEmpty).toBeGreaterThan(requests.length);
  }, 120_000);
});
