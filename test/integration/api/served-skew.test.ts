// The serving log end to end over real HTTP and the real Redis online store: a server logging a service at rate
// 1.0 writes what it served to Parquet under _served/, and `featureflow skew` finds the one value planted in
// Redis that differs from the offline data, in its feature and hour only; a key missing online shows as null
// asymmetry. Request times come from an injected clock so the hours are fixed whatever time the test runs.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { closeEngine, openEngine } from '../../../src/engine/context.js';
import { Database } from '../../../src/engine/database.js';
import { computeSkew, type FeatureHourSkew, type SkewReport } from '../../../src/engine/skew.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import { RepoSchema, type Repo, type RepoInput } from '../../../src/registry/schema.js';
import { runCli } from '../../helpers/cli.js';
import { cleanupSharedPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { request } from '../../unit/api/http-client.js';

let dir: string;
let repo: Repo;
let store: RedisOnlineStore;
let api: ApiServer;
let base: string;
let keyPrefix: string;
let clock = 0;

const EVENT = new Date('2024-01-01T00:00:00Z');
const HOUR_10 = Date.parse('2024-03-01T10:15:00Z');
const HOUR_11 = Date.parse('2024-03-01T11:20:00Z');
const HOUR_12 = Date.parse('2024-03-01T12:05:00Z');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-skew-'));
  keyPrefix = freshPrefix().replace(/:$/, '');
  const input: RepoInput = {
    project: 'skewed',
    offlineStore: { path: 'offline' },
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'history', type: 'file', path: 'history.parquet' }],
    featureViews: [
      { name: 'user_stats', entities: ['user'], source: 'history', schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'amount', dtype: 'float64' }] },
      { name: 'user_profile', entities: ['user'], source: 'history', schema: [{ name: 'country', dtype: 'string' }] },
    ],
    onDemandFeatureViews: [
      {
        name: 'derived',
        sources: ['user_stats'],
        request: [{ name: 'spend', dtype: 'float64' }],
        schema: [{ name: 'ratio', dtype: 'float64' }],
        transform: { ratio: 'spend / nullif(amount, 0)' },
      },
    ],
    featureServices: [
      { name: 'scoring', features: { user_stats: ['clicks', 'amount'], user_profile: ['country'] } },
      { name: 'scoring_od', features: { derived: ['ratio'] } },
    ],
  };
  repo = RepoSchema.parse(input);
  writeFileSync(path.join(dir, 'featureflow.json'), JSON.stringify(input));
  const db = await Database.open({ threads: 1 });
  try {
    await db.withConnection((c) =>
      c.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, 10::BIGINT, 1.5::DOUBLE, 'FR'), (2, 20, 2.5, 'DE'), (3, 30, 3.5, 'IT'), (4, 40, 4.5, 'ES'))
                      AS t(user_id, clicks, amount, country), (SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS event_timestamp))
             TO '${path.join(dir, 'history.parquet')}' (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  const put = async (view: string, id: number, values: unknown[]): Promise<void> => {
    const layout = viewLayout(repo, view);
    const schemaId = await store.registerLayout(layout);
    await store.writeRows(layout, schemaId, [encodeRow(layout, [id], EVENT, null, values)]);
  };
  // As materialization would have written them, except user 2's amount (planted) and user 4 (never written).
  await put('user_stats', 1, [10n, 1.5]);
  await put('user_stats', 2, [20n, 99.0]);
  await put('user_stats', 3, [30n, 3.5]);
  for (const [id, country] of [[1, 'FR'], [2, 'DE'], [3, 'IT']] as const) await put('user_profile', id, [country]);
  api = createServer({
    repo,
    store,
    repoDir: dir,
    logger: silentLogger,
    // A long interval: the test flushes itself, so what is written does not depend on timing.
    logServed: { targets: [{ service: 'scoring', rate: 1 }, { service: 'scoring_od', rate: 1 }], flushIntervalMs: 3_600_000, now: () => clock },
  });
  base = (await api.listen(0)).url;
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  await cleanupSharedPrefix(`${keyPrefix}:`);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function serve(at: number, ids: number[]): Promise<void> {
  clock = at;
  const res = await request(base, 'POST', '/get-online-features', { feature_service: 'scoring', entities: { user_id: ids } });
  expect(res.status).toBe(200);
}

function cell(report: SkewReport, feature: string, hour: string): FeatureHourSkew {
  const found = report.features.find((f) => f.feature === feature && f.hour === hour);
  if (!found) throw new Error(`no ${feature} at ${hour} in ${JSON.stringify(report.features)}`);
  return found;
}

describe('serving log and skew', () => {
  let report: SkewReport;
  let onDemand: SkewReport;

  beforeAll(async () => {
    await serve(HOUR_10, [1, 2, 3]);
    await serve(HOUR_11, [1, 3]);
    await serve(HOUR_11, [2]);
    // Requests made with a list of features are not the logged service's, even when they ask for the same ones.
    clock = HOUR_11;
    await request(base, 'POST', '/get-online-features', { features: ['user_stats:amount'], entities: { user_id: [2] } });
    await serve(HOUR_12, [4]);
    clock = HOUR_10;
    const od = await request(base, 'POST', '/get-online-features', { feature_service: 'scoring_od', entities: { user_id: [1, 2], spend: [3, 5] } });
    expect(od.status).toBe(200);
    await api.flushServedLog();
    const ctx = await openEngine(repo, dir);
    try {
      const range = { start: new Date('2024-03-01T00:00:00Z'), end: new Date('2024-03-02T00:00:00Z') };
      report = await computeSkew(ctx, 'scoring', range);
      onDemand = await computeSkew(ctx, 'scoring_od', range);
    } finally {
      closeEngine(ctx);
    }
  });

  it('writes the log as Parquet files under _served/<service>/date=<request date>/', () => {
    const files = readdirSync(path.join(dir, 'offline', '_served', 'scoring', 'date=2024-03-01'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => /^\d+-\d+-[0-9a-f]+\.parquet$/.test(f))).toBe(true);
    expect(report.rows).toBe(7);
  });

  it('reports the planted value as a mismatch of its feature in its hour only', () => {
    const planted = cell(report, 'user_stats:amount', '2024-03-01T10:00:00.000Z');
    expect(planted).toMatchObject({ rows: 3, mismatches: 1, servedNullOfflineValue: 0, servedValueOfflineNull: 0 });
    expect(planted.mismatchRate).toBeCloseTo(1 / 3, 12);
    expect(planted.smape).toBeCloseTo((2 * (99 - 2.5)) / (99 + 2.5) / 3, 12);
    const again = cell(report, 'user_stats:amount', '2024-03-01T11:00:00.000Z');
    expect(again).toMatchObject({ rows: 3, mismatches: 1 });
    for (const hour of ['2024-03-01T10:00:00.000Z', '2024-03-01T11:00:00.000Z']) {
      expect(cell(report, 'user_stats:clicks', hour)).toMatchObject({ mismatches: 0, smape: 0 });
      expect(cell(report, 'user_profile:country', hour)).toMatchObject({ mismatches: 0, smape: null });
    }
  });

  it('counts a key missing online as served null with an offline value', () => {
    for (const feature of ['user_stats:clicks', 'user_stats:amount', 'user_profile:country']) {
      expect(cell(report, feature, '2024-03-01T12:00:00.000Z')).toMatchObject({
        rows: 1,
        mismatches: 1,
        servedNullOfflineValue: 1,
        servedValueOfflineNull: 0,
      });
    }
  });

  it('recomputes on-demand features offline from the logged request fields', () => {
    // user 1: 3 / 1.5 on both sides; user 2: 5 / 99 served (the planted amount), 5 / 2.5 offline.
    expect(onDemand.rows).toBe(2);
    expect(cell(onDemand, 'derived:ratio', '2024-03-01T10:00:00.000Z')).toMatchObject({ rows: 2, mismatches: 1, servedNullOfflineValue: 0 });
  });

  it('counts the logged rows in the metrics', async () => {
    const metrics = await request(base, 'GET', '/metrics');
    expect(metrics.text).toContain('featureflow_served_log_rows_total{service="scoring",result="written"} 7');
    expect(metrics.text).toContain('featureflow_served_log_rows_total{service="scoring",result="queued"} 7');
  });

  it('prints the same report from the command line', async () => {
    const config = path.join(dir, 'featureflow.json');
    const json = await runCli('skew', 'scoring', '--config', config, '--start', '2024-03-01T00:00:00Z', '--end', '2024-03-02T00:00:00Z', '--json');
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(report);
    const text = await runCli('skew', 'scoring', '--config', config, '--start', '2024-03-01T10:00:00Z', '--end', '2024-03-01T11:00:00Z');
    expect(text.out).toContain('1 feature-hour with mismatches');
    const empty = await runCli('skew', 'scoring', '--config', config, '--start', '2024-04-01', '--end', '2024-04-02');
    expect(empty.out).toContain('No served values of "scoring" were logged');
  });
});
