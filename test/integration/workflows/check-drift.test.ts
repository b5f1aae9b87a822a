/**
 * The checkDrift workflow on a real dev server and a real Redis, with a local HTTP webhook receiver and a fake
 * computeDrift (the drift metrics are another part's; here only the wiring is under test): each check stores every
 * view's report, a planted level change alerts once (POST and log line) and is recorded, an unchanged level does
 * not alert again, a return to ok is a recovery; GET /drift and `featureflow drift` read the stored reports.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createActivities, WorkerResources } from '../../../src/activities/index.js';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer } from '../../../src/api/server.js';
import { main } from '../../../src/cli/main.js';
import type { DriftAlertLog, DriftAlertPayload } from '../../../src/drift/alert.js';
import type { ComputeDriftFn, DriftReference } from '../../../src/drift/compute.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { DriftLevel, DriftReport } from '../../../src/engine/stats/types.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import { realResourceFactories } from '../../../src/worker.js';
import type { checkDrift } from '../../../src/workflows/check-drift.js';
import type { CheckDriftInput, CheckDriftResult } from '../../../src/workflows/contracts/check-drift.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { workflowBundle } from './helpers/worker.js';

const PROJECT = 'drifty';
const WEBHOOK_PATH = '/hooks/T0/secret-token';
const DAY_MS = 86_400_000;

interface Delivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  payload: DriftAlertPayload;
}

let env: TestWorkflowEnvironment;
let dir: string;
let config: string;
let keyPrefix: string;
let store: RedisOnlineStore;
let worker: Worker;
let running: Promise<void>;
let resources: WorkerResources;
let receiver: http.Server;
const taskQueue = `drift-${randomUUID()}`;
const deliveries: Delivery[] = [];
const logs: DriftAlertLog[] = [];
let answer = 200;

/** The level the fake computeDrift reports per view (the planted drift), and every call it got. */
const levels = new Map<string, DriftLevel>();
const calls: Array<{ view: string; reference: DriftReference; current: { start: Date; end: Date } }> = [];

const fakeComputeDrift: ComputeDriftFn = async (_ctx, view, opts) => {
  calls.push({ view, ...opts });
  const level = levels.get(view) ?? 'ok';
  const reference = 'snapshot' in opts.reference ? { start: '2024-01-01', end: '2024-02-01', snapshot: opts.reference.snapshot, rows: 1000 } : { start: opts.reference.start.toISOString(), end: opts.reference.end.toISOString(), rows: 1000 };
  const report: DriftReport = {
    view,
    reference,
    current: { start: opts.current.start.toISOString(), end: opts.current.end.toISOString(), rows: 500 },
    features: [
      { feature: 'amount', dtype: 'float64', psi: level === 'ok' ? 0.01 : 0.4, ks: { d: 0.3, pValue: 1e-6, method: 'exact' }, nullDeltaPoints: 0, level, reasons: level === 'ok' ? [] : ['psi 0.4 >= 0.25'] },
      { feature: 'clicks', dtype: 'int64', psi: 0.02, nullDeltaPoints: 0.5, level: 'ok', reasons: [] },
    ],
    level,
  };
  return report;
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-drift-'));
  keyPrefix = `${freshPrefix()}ff`;
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', headers: req.headers, payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as DriftAlertPayload });
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : `refused with ${answer}`);
    });
  });
  const [started] = await Promise.all([startDevServer(), new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve)), workflowBundle()]);
  env = started;
  config = writeConfig(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}${WEBHOOK_PATH}`);
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  resources = new WorkerResources(realResourceFactories(config, { threads: 1, memoryLimit: '256MB' }));
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ resources, computeFeatures, computeDrift: fakeComputeDrift, driftAlertLog: (line) => logs.push(line) }),
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await resources?.close();
  await env?.teardown();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await store?.close();
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await cleanupPrefix(redis, keyPrefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(webhook: string): string {
  const view = (name: string, extra: object = {}) => ({ name, entities: ['user'], source: 'events', schema: [{ name: 'amount', dtype: 'float64' }, { name: 'clicks', dtype: 'int64' }], ...extra });
  const file = path.join(dir, 'featureflow.json');
  writeFileSync(
    file,
    JSON.stringify({
      project: PROJECT,
      onlineStore: { url: redisUrl(), keyPrefix },
      alerts: { webhook },
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      // Never read: the fake computeDrift reads no data.
      sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
      featureViews: [
        view('user_stats', { drift: { reference: { start: '2024-01-01', end: '2024-02-01' }, checkEvery: '1h', window: '1d' } }),
        view('merchant_stats', { online: false, drift: { reference: { snapshot: 'base' }, window: '7d' } }),
        view('thresholds_only', { drift: { psi: { warn: 0.2 } } }),
        view('no_drift'),
      ],
    }),
  );
  return file;
}

async function runCheck(input: CheckDriftInput): Promise<{ workflowId: string; result: CheckDriftResult }> {
  const workflowId = `check-drift-${randomUUID()}`;
  const result = await env.client.workflow.execute<typeof checkDrift>('checkDrift', { taskQueue, workflowId, args: [input] });
  return { workflowId, result };
}

async function failedCheck(input: CheckDriftInput): Promise<ApplicationFailure> {
  const handle = await env.client.workflow.start<typeof checkDrift>('checkDrift', { taskQueue, workflowId: `check-drift-${randomUUID()}`, args: [input] });
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return { code: await main(args), out: out.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('checkDrift', () => {
  it('stores every view report for the window ending at the workflow clock, and alerts nobody while all is ok', async () => {
    const { result } = await runCheck({});
    expect(result.entries.map((e) => [e.view, e.report.level, e.lastAlert])).toEqual([
      ['user_stats', 'ok', null],
      ['merchant_stats', 'ok', null],
    ]);
    expect(result.alerts).toEqual([]);
    expect(deliveries).toEqual([]);
    const checkedAt = Date.parse(result.checkedAt);
    const user = calls.find((c) => c.view === 'user_stats');
    expect(user?.current).toEqual({ start: new Date(checkedAt - DAY_MS), end: new Date(checkedAt) });
    expect(user?.reference).toEqual({ start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-02-01T00:00:00Z') });
    expect(calls.find((c) => c.view === 'merchant_stats')?.reference).toEqual({ snapshot: 'base' });
    expect(calls.find((c) => c.view === 'merchant_stats')?.current.start).toEqual(new Date(checkedAt - 7 * DAY_MS));
    const { reports } = await store.getDriftRecords(PROJECT);
    expect(reports.get('user_stats')).toEqual({ checkedAt: result.checkedAt, report: result.entries[0]?.report });
  });

  it('alerts once through the webhook and the log on a planted level change, then records it', async () => {
    levels.set('user_stats', 'alert');
    const { workflowId, result } = await runCheck({ views: ['user_stats'] });
    await recordHistory(env.client, 'check-drift-alert', workflowId);
    expect(result.alerts).toEqual([{ view: 'user_stats', kind: 'drift', level: 'alert' }]);
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery?.path).toBe(WEBHOOK_PATH);
    expect(delivery?.payload).toMatchObject({
      type: 'featureflow.drift.drift',
      kind: 'drift',
      project: PROJECT,
      view: 'user_stats',
      level: 'alert',
      previousLevel: 'ok',
      checkedAt: result.checkedAt,
      features: [{ feature: 'amount', level: 'alert', reasons: ['psi 0.4 >= 0.25'] }],
    });
    expect(delivery?.payload.text).toContain('feature view "user_stats" DRIFT ALERT: amount alert (psi 0.4 >= 0.25)');
    expect(delivery?.headers['idempotency-key']).toBe(delivery?.payload.id);
    // The log names the webhook's origin only: the path of a Slack-style URL is its secret.
    const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    expect(logs.map((l) => [l.view, l.level, l.driftLevel, l.webhook])).toEqual([['user_stats', 'warn', 'alert', origin]]);
    const stored = await store.getDriftRecords(PROJECT);
    expect(stored.alerts.get('user_stats')?.level).toBe('alert');
    expect(result.entries[0]?.lastAlert).toEqual(stored.alerts.get('user_stats'));

    // The same level again: no second alert.
    const again = await runCheck({ views: ['user_stats'] });
    expect(again.result.alerts).toEqual([]);
    expect(deliveries).toHaveLength(1);
  });

  it('sends a recovery when the level is back to ok', async () => {
    levels.set('user_stats', 'ok');
    const { result } = await runCheck({ views: ['user_stats'] });
    expect(result.alerts).toEqual([{ view: 'user_stats', kind: 'recovery', level: 'ok' }]);
    expect(deliveries.at(-1)?.payload).toMatchObject({ type: 'featureflow.drift.recovery', level: 'ok', previousLevel: 'alert' });
    expect((await store.getDriftRecords(PROJECT)).alerts.get('user_stats')?.level).toBe('ok');
  });

  it('fails naming the view when the webhook refuses, and the alert is due again at the next check', async () => {
    levels.set('merchant_stats', 'warn');
    answer = 400;
    try {
      const failure = await failedCheck({ views: ['merchant_stats'] });
      expect(failure.type).toBe('DRIFT_ALERT_FAILED');
      expect(failure.message).toContain('drift alerts failed for "merchant_stats"');
    } finally {
      answer = 200;
    }
    expect((await store.getDriftRecords(PROJECT)).alerts.get('merchant_stats')).toBeUndefined();
    const { result } = await runCheck({ views: ['merchant_stats'] });
    expect(result.alerts).toEqual([{ view: 'merchant_stats', kind: 'drift', level: 'warn' }]);
  });

  it('refuses a view without a drift reference, with its own code', async () => {
    const failure = await failedCheck({ views: ['thresholds_only'] });
    expect(failure.type).toBe('DRIFT_NOT_CONFIGURED');
    expect(failure.message).toContain('"thresholds_only" has no drift.reference');
  });
});

describe('stored drift reports', () => {
  it('GET /drift returns the latest report per view, nulls for a view never checked, 404 for an unknown view', async () => {
    const { repo } = await loadValidatedRepo(config);
    const api = createServer({ repo, store, logger: silentLogger });
    const { url } = await api.listen(0);
    try {
      const res = await fetch(`${url}/drift`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { project: string; views: Array<{ view: string; checkedAt: string | null; report: DriftReport | null; lastAlert: unknown }> };
      expect(body.project).toBe(PROJECT);
      expect(body.views.map((v) => [v.view, v.report?.level ?? null])).toEqual([
        ['user_stats', 'ok'],
        ['merchant_stats', 'warn'],
        ['thresholds_only', null],
      ]);
      const { reports } = await store.getDriftRecords(PROJECT);
      expect(body.views[0]).toEqual({ view: 'user_stats', ...reports.get('user_stats'), lastAlert: (await store.getDriftRecords(PROJECT)).alerts.get('user_stats') });
      const one = (await (await fetch(`${url}/drift?views=merchant_stats`)).json()) as { views: Array<{ view: string }> };
      expect(one.views.map((v) => v.view)).toEqual(['merchant_stats']);
      expect((await fetch(`${url}/drift?views=nope`)).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('`featureflow drift` prints them, as JSON like GET /drift, exiting 0 with no view at level alert', async () => {
    const json = await cli('drift', '--config', config, '--json');
    expect(json.code).toBe(0);
    const body = JSON.parse(json.out) as { views: Array<{ view: string; report: DriftReport | null }> };
    expect(body.views.map((v) => [v.view, v.report?.level ?? null])).toEqual([
      ['user_stats', 'ok'],
      ['merchant_stats', 'warn'],
      ['thresholds_only', null],
    ]);
    const text = await cli('drift', '--config', config, '--views', 'merchant_stats');
    expect(text.code).toBe(0);
    expect(text.out).toContain('merchant_stats: WARN');
    expect(text.out).toMatch(/amount\s+\|?\s*warn/);
  });
});

