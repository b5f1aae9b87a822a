/**
 * Fault criterion 3: SCRIPT FLUSH every 100 ms, from a separate connection, while 200,000 entities are materialized:
 * 0 failed writes, and the keys end up exactly as in a run without flushing.
 *
 * Every write path is driven while the flushing goes on:
 * 1. a first load (new keys: SET NX GET over the bulk socket, fast-write.ts; no script);
 * 2. a second load with a newer row for every entity (the keys exist: the write-newer script through ioredis'
 *    defineCommand, write-runner.ts, which retries EVALSHA as EVAL on NOSCRIPT);
 * 3. many small writes, as pushes make them (script-write.ts sends EVALSHA by hand over the bulk socket and resends
 *    NOSCRIPT batches as EVAL);
 * and each materialization records its watermark through the advance-watermark script (ioredis again).
 * The reference is the same sequence under another key prefix of the same server, without flushing. Redis' own
 * count of NOSCRIPT replies shows the flushes really hit script calls. The server is the test's own: SCRIPT FLUSH
 * is server-wide and would hit every other test on the shared Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize } from '../../src/materialize/index.js';
import { viewLayout } from '../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../src/online/redis-store.js';
import { encodeRow } from '../../src/online/stored-value.js';
import type { EncodedRow } from '../../src/online/types.js';
import type { TestEngine } from '../helpers/engine.js';
import { freshPrefix } from '../helpers/redis.js';
import { bump, faultEngine, hoursAfterBase, keysDigest, PROJECT, VIEW } from './helpers/redis-fixture.js';
import { OwnRedis } from '../helpers/own-redis.js';

const ENTITIES = 200_000;
const SMALL_WRITES = 400;
const SMALL_WRITE_ROWS = 250;
const FLUSH_EVERY_MS = 100;

let server: OwnRedis;
let admin: Redis;
let engine: TestEngine;
const prefixes = { reference: freshPrefix().replace(/:$/, ''), flushed: freshPrefix().replace(/:$/, '') };
const stores: Partial<Record<keyof typeof prefixes, RedisOnlineStore>> = {};

beforeAll(async () => {
  server = await OwnRedis.create();
  admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  engine = await faultEngine(server.url, prefixes.flushed, ENTITIES);
  for (const name of ['reference', 'flushed'] as const) stores[name] = await connectOnlineStore({ url: server.url, keyPrefix: prefixes[name] });
});

afterAll(async () => {
  for (const store of Object.values(stores)) await store?.close();
  engine?.close();
  admin?.disconnect();
  await server?.dispose();
});

/** SCRIPT FLUSH from its own connection every FLUSH_EVERY_MS until stopped; counts the flushes. */
function startFlushing(url: string): { stop(): Promise<{ flushes: number; seconds: number }> } {
  const flusher = new Redis(url, { maxRetriesPerRequest: 1 });
  let running = true;
  let flushes = 0;
  const started = performance.now();
  const loop = (async () => {
    while (running) {
      await flusher.script('FLUSH');
      flushes++;
      await new Promise((r) => setTimeout(r, FLUSH_EVERY_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      flusher.disconnect();
      return { flushes, seconds: (performance.now() - started) / 1000 };
    },
  };
}

async function noscriptReplies(): Promise<number> {
  const info = await admin.info('errorstats');
  return Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0);
}

/** The rows of small write `n`: SMALL_WRITE_ROWS users spread over the whole range, newer than every offline row. */
function smallWrite(n: number): EncodedRow[] {
  const layout = viewLayout(engine.ctx.repo, VIEW);
  return Array.from({ length: SMALL_WRITE_ROWS }, (_, j) => {
    const user = (n + j * SMALL_WRITES) % ENTITIES;
    return encodeRow(layout, [user], hoursAfterBase(30), hoursAfterBase(30), [-user, n / 4, `pushed ${n}`]);
  });
}

interface StepOutcome {
  failures: string[];
  noscript: number;
  flushes: number;
  seconds: number;
}

/** Runs `work` against both stores: first the reference, untouched, then the other one under SCRIPT FLUSH. */
async function bothWays(work: (store: RedisOnlineStore) => Promise<void>): Promise<StepOutcome> {
  await work(stores.reference!);
  const failures: string[] = [];
  const noscriptBefore = await noscriptReplies();
  const flushing = startFlushing(server.url);
  try {
    await work(stores.flushed!);
  } catch (err) {
    failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }
  const { flushes, seconds } = await flushing.stop();
  return { failures, noscript: (await noscriptReplies()) - noscriptBefore, flushes, seconds };
}

const DAY = 86_400_000;
const range = (store: RedisOnlineStore) => materialize({ ctx: engine.ctx, store }, [VIEW], new Date(Date.now() - 7 * DAY), new Date());

describe(`SCRIPT FLUSH every ${FLUSH_EVERY_MS} ms during a ${ENTITIES.toLocaleString('en-US')}-entity materialization`, () => {
  it('loses no write on any path and leaves the same keys as a run without flushing', async () => {
    const outcomes: Record<string, StepOutcome> = {};
    outcomes['first load (SET NX GET)'] = await bothWays(async (store) => void (await range(store)));
    await bump(engine, ENTITIES, 20);
    outcomes['newer rows (write-newer script via ioredis)'] = await bothWays(async (store) => {
      const [result] = await range(store);
      // Every key existed with an older value: all of them went through the script.
      expect(result?.keysWritten).toBe(ENTITIES);
    });
    outcomes[`${SMALL_WRITES} small writes (EVALSHA over the bulk socket)`] = await bothWays(async (store) => {
      const layout = viewLayout(engine.ctx.repo, VIEW);
      const schemaId = await store.registerLayout(layout);
      // Four writes in flight at a time, as concurrent pushes would be.
      for (let n = 0; n < SMALL_WRITES; n += 4) {
        await Promise.all([n, n + 1, n + 2, n + 3].map((i) => store.writeRows(layout, schemaId, smallWrite(i))));
      }
    });

    for (const [step, o] of Object.entries(outcomes)) {
      console.log(
        `FAULT-FIGURE: script flush, ${step}: ${o.failures.length} failed writes, ${o.flushes} SCRIPT FLUSH in ${o.seconds.toFixed(1)} s, ` +
          `${o.noscript} NOSCRIPT replies answered by falling back to EVAL`,
      );
    }
    const [reference, flushed] = await Promise.all([keysDigest(admin, `${prefixes.reference}:`), keysDigest(admin, `${prefixes.flushed}:`)]);
    const equal = reference.sha256 === flushed.sha256 && reference.keys === flushed.keys;
    console.log(`FAULT-FIGURE: script flush, final keys: ${flushed.keys} (reference ${reference.keys}), equal to the reference: ${equal ? 'yes' : 'no'}`);

    expect(Object.values(outcomes).flatMap((o) => o.failures)).toEqual([]);
    // The flushes must have hit script calls on both script paths, or the run proved nothing.
    expect(outcomes['newer rows (write-newer script via ioredis)']?.noscript).toBeGreaterThan(0);
    expect(outcomes[`${SMALL_WRITES} small writes (EVALSHA over the bulk socket)`]?.noscript).toBeGreaterThan(0);
    expect(flushed.keys).toBe(ENTITIES + 1); // one key per entity and the schema key
    expect(flushed).toEqual(reference);

    // And the values are the right ones, read back through the store: a pushed row, and a row of the second load.
    const layout = viewLayout(engine.ctx.repo, VIEW);
    const features = (['clicks', 'note'] as const).map((feature) => ({ layout, feature }));
    const [clicks, note] = await stores.flushed!.read({ entities: { user_id: [SMALL_WRITES * 3 + 1, 123_457] }, features });
    expect(clicks?.values).toEqual([-(SMALL_WRITES * 3 + 1), 123_457 * 31 + 20_000]);
    expect(note?.values).toEqual(['pushed 1', 'user 123457 at 20']);
    const watermark = await stores.flushed!.getWatermark(PROJECT, VIEW);
    expect(watermark).toBeDefined();
  });
});
