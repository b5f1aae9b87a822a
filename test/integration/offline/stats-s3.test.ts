/**
 * Stored statistics on an S3 offline store (a real `rclone serve s3`): computeFeatures stores each date's stats as
 * it publishes it, loadStats merges them back, a partial rewrite supersedes what it covers, and snapshots round-trip.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { sweepOffline } from '../../../src/engine/offline/sweep.js';
import { computeViewStats, loadSnapshot, loadStats, saveSnapshot } from '../../../src/engine/stats/store.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';
import { startS3Server, type S3Server } from '../../helpers/s3-server.js';

let s3: S3Server;
let restoreEnv: () => void = () => undefined;
let engine: TestEngine;
const prefix = `stats-${Date.now()}`;

beforeAll(async () => {
  s3 = await startS3Server();
  restoreEnv = s3.useEnv();
  const repo: RepoInput = {
    project: 's3stats',
    offlineStore: { path: s3.url(prefix), s3: s3.repoS3() },
    entities: [{ name: 'user', joinKeys: ['user_id'] }],
    sources: [{ name: 'events', type: 'table', table: 'events' }],
    featureViews: [
      { name: 'hourly', entities: ['user'], source: 'events', aggregation: { cadence: '1h', windows: ['1h'], features: [{ name: 'total', function: 'sum', column: 'x' }] } },
      { name: 'plain', entities: ['user'], source: 'events', schema: [{ name: 'x', dtype: 'float64' }] },
    ],
  } as RepoInput;
  // Two users with an event every 30 minutes over three days, x = 1 each.
  engine = await testEngine(repo, {
    events: `SELECT u AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(30 * i) AS event_timestamp, 1.0::DOUBLE AS x
      FROM range(1, 3) a(u), range(0, 144) b(i)`,
  });
}, 60_000);

afterAll(async () => {
  engine?.close();
  restoreEnv();
  await s3?.stop();
});

const statsObjects = (view: string): string[] => {
  const root = path.join(s3.root, s3.bucket, prefix, '_stats', view);
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet')).sort();
};

describe('statistics on S3', () => {
  it('computeFeatures stores each date\'s stats as it publishes, and loadStats merges them', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-03 00:00'));
    expect(statsObjects('hourly').map((f) => f.split(path.sep)[0])).toEqual(['date=2024-01-01', 'date=2024-01-02']);
    const stats = await loadStats(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-03 00:00'));
    expect(stats.rows).toBe(2 * 48);
    const total = stats.features.find((f) => f.feature === 'total_1h');
    // Every hourly window holds two events of x = 1, except the very first tick.
    expect(total?.max).toBe(2);
    expect(total?.sketch?.count).toBe(total?.count);
  }, 120_000);

  it('a rewrite of part of a date supersedes that part; the rest is computed from the rows readers see', async () => {
    const before = await loadStats(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 06:00'), at('2024-01-01 12:00'));
    const after = await loadStats(engine.ctx, 'hourly', at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    expect(after.rows).toBe(before.rows);
    expect(after.features[0]?.mean).toBeCloseTo(before.features[0]?.mean ?? 0, 9);
  }, 120_000);

  it('offline sweep leaves the stats alone: no manifest publishes them, yet they are not orphans', async () => {
    const before = statsObjects('hourly');
    expect(before.length).toBeGreaterThan(0);
    const swept = await sweepOffline(engine.ctx, { graceMs: 0 });
    expect(swept.files.filter((f) => f.includes('/_stats/'))).toEqual([]);
    expect(statsObjects('hourly')).toEqual(before);
  }, 120_000);

  it('plain views\' stats and snapshots round-trip through the store', async () => {
    const stored = await computeViewStats(engine.ctx, 'plain', at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    expect(stored.map((s) => s.rows)).toEqual([96]);
    const stats = await loadStats(engine.ctx, 'plain', at('2024-01-01 00:00'), at('2024-01-02 00:00'));
    expect(stats).toEqual(stored[0]);
    await saveSnapshot(engine.ctx, 'plain', 'baseline', stats);
    expect(await loadSnapshot(engine.ctx, 'plain', 'baseline')).toEqual(stats);
    await expect(loadSnapshot(engine.ctx, 'plain', 'other')).rejects.toMatchObject({ code: 'STATS_MISSING' });
  }, 120_000);
});
