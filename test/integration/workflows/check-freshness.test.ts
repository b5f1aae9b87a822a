/**
 * The checkFreshness workflow on a real dev server and a real Redis, with a local HTTP webhook receiver: a breach
 * and a recovery each alert once (POST and log line) and are recorded; a flaky receiver gets its alert through
 * Temporal's retries; a refused alert fails the run naming its view and is due again; GET /freshness and the CLI
 * answer before any check ran. Watermarks are staged relative to now with margins of an hour, so a slow machine
 * cannot move a view across its SLA during a test.
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
import { redisUrl } from '../../../src/devtools/redis-url.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { FreshnessAlertLog, FreshnessAlertPayload } from '../../../src/freshness/alert.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import { realResourceFactories } from '../../../src/worker.js';
import type { checkFreshness } from '../../../src/workflows/check-freshness.js';
import type { CheckFreshnessInput } from '../../../src/workflows/contracts/check-freshness.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { cleanupPrefix, freshPrefix } from '../../helpers/redis.js';
import { recordHistory } from '../../replay/record.js';
import { workflowBundle } from './helpers/worker.js';

const PROJECT = 'fresh';
const HOUR = 3_600_000;
const keyPrefix = `${freshPrefix()}ff`;
const taskQueue = `freshness-${randomUUID()}`;

let env: TestWorkflowEnvironment;
let dir: string;
let config: string;
let store: RedisOnlineStore;
let worker: Worker;
let running: Promise<void>;
let resources: WorkerResources;

/** What the worker logged through the injected sink: one record per alert. */
const logs: FreshnessAlertLog[] = [];

// The webhook receiver: every POST is kept; `answer` decides the status per request (200 unless a test says).
interface Delivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  payload: FreshnessAlertPayload;
}
const deliveries: Delivery[] = [];
let answer: (payload: FreshnessAlertPayload) => number = () => 200;
let receiver: http.Server;
let receiverUrl: string;

const deliveriesOf = (view: string): Delivery[] => deliveries.filter((d) => d.payload.view === view);
const logsOf = (view: string): FreshnessAlertLog[] => logs.filter((l) => l.view === view);

function startReceiver(): Promise<void> {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FreshnessAlertPayload;
      deliveries.push({ path: req.url ?? '', headers: req.headers, payload });
      const status = answer(payload);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `refused with ${status}`);
    });
  });
  return new Promise((resolve) =>
    receiver.listen(0, '127.0.0.1', () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

function writeConfig(): void {
  const view = (name: string, extra: object = {}) => ({
    name,
    entities: ['user'],
    source: 'events',
    schema: [{ name: 'clicks', dtype: 'int64' }],
    ...extra,
  });
  const sla = { freshness: { maxStaleness: '1h' } };
  config = path.join(dir, 'featureflow.json');
  writeFileSync(
    config,
    JSON.stringify({
      project: PROJECT,
      onlineStore: { url: redisUrl(), keyPrefix },
      // A path like a Slack hook's, whose secret must not reach logs or errors.
      alerts: { webhook: `${receiverUrl}/hooks/T0/secret-token` },
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
      featureViews: [
        view('user_stats', sla),
        view('merchant_stats', { freshness: { maxStaleness: '1h', checkEvery: '1m' } }),
        view('pair_a', sla),
        view('pair_b', sla),
        view('no_sla'),
        view('archive', { online: false }),
      ],
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-freshness-'));
  [env] = await Promise.all([startDevServer(), startReceiver(), workflowBundle()]);
  writeConfig();
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  resources = new WorkerResources(realResourceFactories(config, { threads: 1, memoryLimit: '256MB' }));
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ resources, computeFeatures, alertLog: (line) => logs.push(line) }),
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await resources?.close();
  await env?.teardown();
  receiver?.closeAllConnections();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  if (store) await store.close();
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await cleanupPrefix(redis, keyPrefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

/** A watermark whose newest event is `ageMs` old, last materialized a minute ago. */
async function stage(view: string, ageMs: number): Promise<{ newestEvent: string; at: string }> {
  const now = Date.now();
  const watermark = { end: new Date(now).toISOString(), at: new Date(now - 60_000).toISOString(), newestEvent: new Date(now - ageMs).toISOString() };
  await store.setWatermark(PROJECT, view, watermark);
  return watermark;
}

async function runCheck(input: CheckFreshnessInput) {
  const workflowId = `check-freshness-${randomUUID()}`;
  const result = await env.client.workflow.execute<typeof checkFreshness>('checkFreshness', { taskQueue, workflowId, args: [input] });
  return { workflowId, result };
}

async function failedCheck(input: CheckFreshnessInput): Promise<ApplicationFailure> {
  const handle = await env.client.workflow.start<typeof checkFreshness>('checkFreshness', { taskQueue, workflowId: `check-freshness-${randomUUID()}`, args: [input] });
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

describe('freshness before any check', () => {
  it('GET /freshness, /metrics and the CLI answer from the watermarks alone', async () => {
    const stale = await stage('user_stats', 2 * HOUR);
    await stage('merchant_stats', 60_000);
    const { repo } = await loadValidatedRepo(config);
    const api = createServer({ repo, store, logger: silentLogger });
    const { url } = await api.listen(0);
    try {
      const res = await fetch(`${url}/freshness`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { checkedAt: string; views: Array<Record<string, unknown>> };
      expect(body.views.map((v) => [v.view, v.status])).toEqual([
        ['user_stats', 'stale'],
        ['merchant_stats', 'fresh'],
        ['pair_a', 'unknown'],
        ['pair_b', 'unknown'],
        ['no_sla', 'unknown'],
      ]);
      expect(body.views[0]).toMatchObject({
        maxStalenessSeconds: 3600,
        newestEventTime: stale.newestEvent,
        lastMaterializedAt: stale.at,
        checkedAt: body.checkedAt,
        lastAlert: null,
        stalenessSeconds: (Date.parse(body.checkedAt) - Date.parse(stale.newestEvent)) / 1000,
      });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^featureflow_feature_view_staleness_seconds\{view="user_stats"\} \d+(\.\d+)?$/m);
      expect(metrics).toContain(`featureflow_feature_view_last_materialized_timestamp_seconds{view="merchant_stats"} `);
    } finally {
      await api.close();
    }

    const table = await cli('freshness', '--config', config, '--views', 'user_stats,merchant_stats');
    expect(table.code).toBe(3);
    expect(table.out).toContain(`Freshness of project "${PROJECT}" at `);
    expect(table.out).toContain('1 stale view');
    expect(table.out).toMatch(/^user_stats\s+stale\s+2h( \d+m)?\s+1h\s+/m);
    expect(table.out).toMatch(/^merchant_stats\s+fresh\s+1m\s+1h\s+/m);

    const json = await cli('freshness', '--config', config, '--views', 'merchant_stats', '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { project: string; views: Array<{ view: string; status: string }> };
    expect(parsed.project).toBe(PROJECT);
    expect(parsed.views.map((v) => [v.view, v.status])).toEqual([['merchant_stats', 'fresh']]);

    expect((await cli('freshness', '--config', config, '--views', 'archive')).code).toBe(1);
    // Nothing was checked, recorded or sent: the answers were computed on the spot.
    expect((await store.getFreshnessRecords(PROJECT)).checks.size).toBe(0);
    expect(deliveries).toEqual([]);
  });
});

describe('checkFreshness', () => {
  it('alerts a breach once: one POST with the alert, one log line, the state recorded; quiet while it stays stale', async () => {
    const staged = await stage('user_stats', 2 * HOUR);
    const { workflowId, result } = await runCheck({ views: ['user_stats'] });
    await recordHistory(env.client, 'check-freshness-breach', workflowId);

    expect(result.alerts).toEqual([{ view: 'user_stats', kind: 'breach' }]);
    const [entry] = result.entries;
    expect(entry).toMatchObject({ view: 'user_stats', status: 'stale', checkedAt: result.checkedAt, lastAlert: { status: 'stale' } });

    const [delivery, ...more] = deliveriesOf('user_stats');
    expect(more).toEqual([]);
    const id = `${PROJECT}:user_stats:breach:${result.checkedAt}`;
    expect(delivery?.path).toBe('/hooks/T0/secret-token');
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(delivery?.headers['idempotency-key']).toBe(id);
    expect(delivery?.payload).toEqual({
      type: 'featureflow.freshness.breach',
      id,
      kind: 'breach',
      project: PROJECT,
      view: 'user_stats',
      status: 'stale',
      stalenessSeconds: (Date.parse(result.checkedAt) - Date.parse(staged.newestEvent)) / 1000,
      maxStalenessSeconds: 3600,
      newestEventTime: staged.newestEvent,
      lastMaterializedAt: staged.at,
      sinceLastMaterializationSeconds: (Date.parse(result.checkedAt) - Date.parse(staged.at)) / 1000,
      checkedAt: result.checkedAt,
      text: expect.stringMatching(/^\[fresh\] feature view "user_stats" is STALE: newest event 2h( \d+m)? old \(max 1h\)/),
    });

    expect(logsOf('user_stats')).toEqual([
      { level: 'warn', message: delivery?.payload.text, ...withoutText(delivery?.payload), webhook: receiverUrl },
    ]);

    const records = await store.getFreshnessRecords(PROJECT);
    expect(records.alerts.get('user_stats')).toEqual(entry?.lastAlert);
    expect(records.checks.get('user_stats')).toEqual({ status: 'stale', stalenessSeconds: entry?.stalenessSeconds, checkedAt: result.checkedAt });

    const again = await runCheck({ views: ['user_stats'] });
    expect(again.result.alerts).toEqual([]);
    expect(again.result.entries[0]).toMatchObject({ status: 'stale', lastAlert: entry?.lastAlert });
    expect(deliveriesOf('user_stats')).toHaveLength(1);
    expect(logsOf('user_stats')).toHaveLength(1);
    expect((await store.getFreshnessRecords(PROJECT)).checks.get('user_stats')?.checkedAt).toBe(again.result.checkedAt);
  });

  it('alerts a recovery once when a stale view is fresh again', async () => {
    await store.recordAlert(PROJECT, 'user_stats', { status: 'stale', at: new Date(Date.now() - HOUR).toISOString() });
    await stage('user_stats', 60_000);
    const before = deliveriesOf('user_stats').length;
    const { workflowId, result } = await runCheck({ views: ['user_stats'] });
    await recordHistory(env.client, 'check-freshness-recovery', workflowId);

    expect(result.alerts).toEqual([{ view: 'user_stats', kind: 'recovery' }]);
    const sent = deliveriesOf('user_stats').slice(before);
    expect(sent.map((d) => [d.payload.type, d.payload.status])).toEqual([['featureflow.freshness.recovery', 'fresh']]);
    expect(sent[0]?.payload.text).toMatch(/is fresh again: newest event 1m( \d+s)? old \(max 1h\)/);
    expect(logsOf('user_stats').at(-1)).toMatchObject({ level: 'info', kind: 'recovery', checkedAt: result.checkedAt });
    expect((await store.getFreshnessRecords(PROJECT)).alerts.get('user_stats')?.status).toBe('fresh');

    const again = await runCheck({ views: ['user_stats'] });
    expect(again.result.alerts).toEqual([]);
    expect(deliveriesOf('user_stats').length).toBe(before + 1);
  });

  it('gets an alert through a receiver that answers 500 twice, by Temporal retrying the activity', async () => {
    await stage('merchant_stats', 3 * HOUR);
    let calls = 0;
    answer = (payload) => (payload.view === 'merchant_stats' && ++calls <= 2 ? 500 : 200);
    try {
      const { workflowId, result } = await runCheck({ views: ['merchant_stats'] });
      expect(result.alerts).toEqual([{ view: 'merchant_stats', kind: 'breach' }]);
      const attempts = deliveriesOf('merchant_stats');
      expect(attempts).toHaveLength(3);
      // One alert, delivered on the third attempt of one activity: every attempt carried the same id.
      expect(new Set(attempts.map((d) => d.payload.id))).toEqual(new Set([`${PROJECT}:merchant_stats:breach:${result.checkedAt}`]));
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const sends = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendFreshnessAlert');
      expect(sends).toHaveLength(1);
      expect((history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []))).toContain(3);
      // Logged once, not once per attempt.
      expect(logsOf('merchant_stats')).toHaveLength(1);
      expect((await store.getFreshnessRecords(PROJECT)).alerts.get('merchant_stats')?.status).toBe('stale');
    } finally {
      answer = () => 200;
    }
  });

  it('fails naming the view whose alert was refused, records the others, and alerts it at the next check', async () => {
    await stage('pair_a', 2 * HOUR);
    await stage('pair_b', 2 * HOUR);
    let refuse = true;
    answer = (payload) => (payload.view === 'pair_b' && refuse ? 400 : 200);
    try {
      const failure = await failedCheck({ views: ['pair_a', 'pair_b'] });
      expect(failure.type).toBe('FRESHNESS_ALERT_FAILED');
      expect(failure.message).toContain('freshness alerts failed for "pair_b";');
      expect(failure.message).toContain(`pair_b (breach): the alerts webhook at ${receiverUrl} answered 400: "refused with 400"`);
      expect(failure.message).not.toContain('secret-token');
      // A 400 is not retried: one request for pair_b.
      expect(deliveriesOf('pair_b')).toHaveLength(1);
      const records = await store.getFreshnessRecords(PROJECT);
      expect(records.alerts.get('pair_a')?.status).toBe('stale');
      expect(records.alerts.has('pair_b')).toBe(false);

      refuse = false;
      const { result } = await runCheck({ views: ['pair_a', 'pair_b'] });
      expect(result.alerts).toEqual([{ view: 'pair_b', kind: 'breach' }]);
      expect(deliveriesOf('pair_a')).toHaveLength(1);
      expect(deliveriesOf('pair_b')).toHaveLength(2);
      expect((await store.getFreshnessRecords(PROJECT)).alerts.get('pair_b')?.status).toBe('stale');
    } finally {
      answer = () => 200;
    }
  });

  it('checks every online view when given none, and refuses unknown and offline views for good', async () => {
    for (const view of ['user_stats', 'merchant_stats', 'pair_a', 'pair_b']) {
      await stage(view, 60_000);
      await store.recordAlert(PROJECT, view, { status: 'fresh', at: new Date().toISOString() });
    }
    const sentBefore = deliveries.length;
    const { result } = await runCheck({});
    expect(result.entries.map((e) => [e.view, e.status])).toEqual([
      ['user_stats', 'fresh'],
      ['merchant_stats', 'fresh'],
      ['pair_a', 'fresh'],
      ['pair_b', 'fresh'],
      ['no_sla', 'unknown'],
    ]);
    expect(result.alerts).toEqual([]);
    expect(deliveries.length).toBe(sentBefore);

    const unknown = await failedCheck({ views: ['user_stat'] });
    expect(unknown.type).toBe('NOT_FOUND');
    expect(unknown.message).toContain('unknown feature view "user_stat"');
    expect((await failedCheck({ views: ['archive'] })).type).toBe('VIEW_NOT_ONLINE');
    const invalid = await failedCheck({ views: 'user_stats' } as unknown as CheckFreshnessInput);
    expect(invalid.type).toBe('INVALID_WORKFLOW_INPUT');
  });
});

function withoutText(payload: FreshnessAlertPayload | undefined): Omit<FreshnessAlertPayload, 'text'> {
  const { text: _text, ...rest } = payload as FreshnessAlertPayload;
  return rest;
}
