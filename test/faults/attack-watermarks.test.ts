/**
 * Issue 10 attack 3, "a future END freezes a view", as a regression test, with the smaller watermark point of the
 * review (updates were read-then-write). Before the fix `materialize-incremental ... 2099-01-01` set the watermark to
 * 2099 and every later run said "up to date"; a range run ending tomorrow did the same for a day; undoing it needed
 * Redis by hand.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/api/logger.js';
import { createServer, type ApiServer } from '../../src/api/server.js';
import type { WorkflowStarter } from '../../src/api/workflow-starter.js';
import { materialize, materializeIncremental } from '../../src/materialize/index.js';
import type { MaterializeDeps } from '../../src/materialize/materialize-view.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../src/online/redis-store.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../helpers/redis.js';
import { HOUR, hoursAfterBase as t, sqlHours as sqlTs } from '../helpers/recent-hours.js';

const prefix = freshPrefix();
const keyPrefix = `${prefix}ff`;
const raw = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
const watermarksKey = `${keyPrefix}:wm:__materialized`;

let engine: TestEngine;
let store: RedisOnlineStore;
let deps: MaterializeDeps;

const figure = (what: string, value: string): void => console.log(`FAULT-FIGURE: attack-watermarks ${what}: ${value}`);

beforeAll(async () => {
  await raw.connect();
  engine = await testEngine(
    {
      project: 'wm',
      onlineStore: { url: redisUrl(), keyPrefix },
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      sources: [{ name: 'src', type: 'table', table: 'rows' }],
      featureViews: [{ name: 'stats', entities: ['user'], source: 'src', ttl: '7d', schema: [{ name: 'clicks', dtype: 'int64' }] }],
    },
    {
      rows: `SELECT * FROM (VALUES (1, ${sqlTs(1)}, 10), (1, ${sqlTs(30)}, 30), (2, ${sqlTs(40)}, 40))
        t(user_id, event_timestamp, clicks)`,
    },
  );
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  deps = { ctx: engine.ctx, store };
});

afterAll(async () => {
  await store.close();
  engine.close();
  await cleanupPrefix(raw, prefix);
  raw.disconnect();
});

describe('attack: a future END freezes a view (issue 10 point 3)', () => {
  it('refuses END 2099 over HTTP with 400 END_IN_FUTURE before any workflow starts', async () => {
    const started: string[] = [];
    const workflows: WorkflowStarter = {
      materialize: () => Promise.reject(new Error('not expected')),
      materializeIncremental: (input) => {
        started.push(input.end);
        return Promise.reject(new Error('not expected'));
      },
      outcome: () => Promise.reject(new Error('not expected')),
      close: () => Promise.resolve(),
    };
    const api: ApiServer = createServer({ repo: engine.ctx.repo, store, workflows, logger: silentLogger });
    const { url } = await api.listen(0);
    try {
      const res = await fetch(`${url}/materialize-incremental`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ end_ts: '2099-01-01T00:00:00', feature_views: ['stats'] }),
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      figure('HTTP END 2099', `${res.status} ${body.error.code}, workflows started ${started.length}`);
      expect(res.status).toBe(400);
      expect(body.error.code).toBe('END_IN_FUTURE');
      expect(body.error.message).toContain('2099');
      expect(started).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('refuses END 2099 in the activity code as well, and the view keeps materializing afterwards', async () => {
    await materializeIncremental(deps, ['stats'], t(10));
    const before = await store.getWatermark('wm', 'stats');
    await expect(materializeIncremental(deps, ['stats'], new Date('2099-01-01T00:00:00Z'))).rejects.toMatchObject({ code: 'END_IN_FUTURE' });
    expect(await store.getWatermark('wm', 'stats')).toEqual(before);
    const [next] = await materializeIncremental(deps, ['stats'], t(35));
    expect(next).toMatchObject({ start: t(10).toISOString(), end: t(35).toISOString(), keysWritten: 1 });
  });

  it('holds a range run ending tomorrow back to now, so the next incremental run is not "up to date" for a day', async () => {
    const tomorrow = new Date(Date.now() + 24 * HOUR);
    await materialize(deps, ['stats'], t(35), tomorrow);
    const end = Date.parse((await store.getWatermark('wm', 'stats'))?.end ?? '');
    const now = Date.now();
    figure('range run ending tomorrow', `watermark ${((now - end) / 1000).toFixed(3)} s before now (END was 24 h ahead)`);
    expect(end).toBeLessThanOrEqual(now);
    expect(end).toBeLessThan(tomorrow.getTime());
  });

  it('repairs a watermark another tool froze at 2099 without touching Redis by hand', async () => {
    await raw.hset(watermarksKey, 'stats', JSON.stringify({ end: '2099-01-01T00:00:00.000Z', at: new Date().toISOString() }));
    // Frozen: the run sees nothing to do.
    const frozen = await materializeIncremental(deps, ['stats'], t(45));
    expect(frozen.reduce((n, r) => n + r.keysWritten, 0)).toBe(0);
    await store.watermarkRepair().replace('wm', 'stats', () => ({ end: t(20).toISOString(), at: new Date().toISOString() }));
    const [repaired] = await materializeIncremental(deps, ['stats'], t(45));
    figure('frozen at 2099, after the repair', `next run read ${repaired?.rowsRead ?? 0} rows from ${repaired?.start ?? '-'}`);
    expect(repaired).toMatchObject({ start: t(20).toISOString(), end: t(45).toISOString() });
    expect(repaired?.rowsRead).toBe(2);
  });
});

describe('watermark updates are compare-and-set (issue 10 point 5)', () => {
  it('ends at the newest of 60 racing updates and never moves back while they land', async () => {
    await raw.hdel(watermarksKey, 'stats');
    await store.advanceWatermark('wm', 'stats', { mode: 'record', end: t(0).toISOString(), at: new Date().toISOString() });
    // Contiguous runs, sent in a scrambled order all at once: each joins up with what is stored when it lands.
    const ends = Array.from({ length: 60 }, (_, i) => i + 1).sort((a, b) => ((a * 37) % 61) - ((b * 37) % 61));
    const seen: number[] = [];
    const sampler = (async () => {
      for (let i = 0; i < 30; i++) {
        const wm = await store.getWatermark('wm', 'stats');
        if (wm) seen.push(Date.parse(wm.end));
      }
    })();
    await Promise.all(
      ends.map((h) => store.advanceWatermark('wm', 'stats', { mode: 'record', start: t(0).toISOString(), end: t(h).toISOString(), at: new Date().toISOString() })),
    );
    await sampler;
    const final = Date.parse((await store.getWatermark('wm', 'stats'))?.end ?? '');
    figure('60 racing updates', `final end = newest: ${final === t(60).getTime()}; samples ${seen.length}, moved back: ${seen.some((v, i) => i > 0 && v < (seen[i - 1] as number))}`);
    expect(final).toBe(t(60).getTime());
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
  });
});
