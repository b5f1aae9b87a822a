/**
 * What the checkFreshness tests run on: a dev server, a local HTTP webhook receiver that keeps every POST and
 * answers as a test says, a repo JSON with freshness SLAs and `alerts.webhook`, an in-process worker whose alert log
 * sink is captured, and a store to stage watermarks with.
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
import { expect, vi } from 'vitest';
import { createActivities, WorkerResources } from '../../../src/activities/index.js';
import { lazyComputeDrift } from '../../../src/drift/engine-loader.js';
import { main } from '../../../src/cli/main.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { FreshnessAlertLog, FreshnessAlertPayload } from '../../../src/freshness/alert.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { realResourceFactories } from '../../../src/worker.js';
import type { checkFreshness } from '../../../src/workflows/check-freshness.js';
import type { CheckFreshnessInput, CheckFreshnessResult } from '../../../src/workflows/contracts/check-freshness.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { workflowBundle } from './helpers/worker.js';

/** Its views: user_stats, merchant_stats, pair_a, pair_b with `maxStaleness: 1h`; no_sla without; archive offline. */
export const PROJECT = 'fresh';
/** A path like a Slack hook's, whose secret must not reach logs or errors. */
export const WEBHOOK_PATH = '/hooks/T0/secret-token';

export interface Delivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  payload: FreshnessAlertPayload;
}

export interface FreshnessEnv {
  env: TestWorkflowEnvironment;
  config: string;
  store: RedisOnlineStore;
  receiverUrl: string;
  /** Every POST the receiver got, in order. */
  deliveries: Delivery[];
  /** What the worker logged through the injected sink: one record per alert. */
  logs: FreshnessAlertLog[];
  /** The receiver's status for a POST; 200 unless a test sets it (and resets it). */
  answer: (payload: FreshnessAlertPayload) => number;
  /** Stages a watermark whose newest event is `ageMs` old, last materialized a minute ago. */
  stage(view: string, ageMs: number): Promise<{ newestEvent: string; at: string }>;
  runCheck(input: CheckFreshnessInput): Promise<{ workflowId: string; result: CheckFreshnessResult }>;
  /** Runs a check that must fail; returns the workflow's failure. */
  failedCheck(input: CheckFreshnessInput): Promise<ApplicationFailure>;
  close(): Promise<void>;
}

export async function startFreshnessEnv(): Promise<FreshnessEnv> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-freshness-'));
  const keyPrefix = `${freshPrefix()}ff`;
  const taskQueue = `freshness-${randomUUID()}`;
  const deliveries: Delivery[] = [];
  const logs: FreshnessAlertLog[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FreshnessAlertPayload;
      deliveries.push({ path: req.url ?? '', headers: req.headers, payload });
      const status = fresh.answer(payload);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `refused with ${status}`);
    });
  });
  const [env] = await Promise.all([
    startDevServer(),
    new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve)),
    workflowBundle(),
  ]);
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const config = writeConfig(dir, keyPrefix, `${receiverUrl}${WEBHOOK_PATH}`);
  const store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  const resources = new WorkerResources(realResourceFactories(config, { threads: 1, memoryLimit: '256MB' }));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ computeDrift: lazyComputeDrift, resources, computeFeatures, alertLog: (line) => logs.push(line) }),
  });
  const running = worker.run();

  const fresh: FreshnessEnv = {
    env,
    config,
    store,
    receiverUrl,
    deliveries,
    logs,
    answer: () => 200,
    async stage(view, ageMs) {
      const now = Date.now();
      const watermark = {
        end: new Date(now).toISOString(),
        at: new Date(now - 60_000).toISOString(),
        newestEvent: new Date(now - ageMs).toISOString(),
      };
      await store.setWatermark(PROJECT, view, watermark);
      return watermark;
    },
    async runCheck(input) {
      const workflowId = `check-freshness-${randomUUID()}`;
      const result = await env.client.workflow.execute<typeof checkFreshness>('checkFreshness', { taskQueue, workflowId, args: [input] });
      return { workflowId, result };
    },
    async failedCheck(input) {
      const workflowId = `check-freshness-${randomUUID()}`;
      const handle = await env.client.workflow.start<typeof checkFreshness>('checkFreshness', { taskQueue, workflowId, args: [input] });
      const error = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      return cause as ApplicationFailure;
    },
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await resources.close();
      await env.teardown();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      await store.close();
      const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      await cleanupPrefix(redis, keyPrefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fresh;
}

function writeConfig(dir: string, keyPrefix: string, webhook: string): string {
  const view = (name: string, extra: object = {}) => ({
    name,
    entities: ['user'],
    source: 'events',
    schema: [{ name: 'clicks', dtype: 'int64' }],
    ...extra,
  });
  const sla = { freshness: { maxStaleness: '1h' } };
  const config = path.join(dir, 'featureflow.json');
  writeFileSync(
    config,
    JSON.stringify({
      project: PROJECT,
      onlineStore: { url: redisUrl(), keyPrefix },
      alerts: { webhook },
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      // Never read: freshness needs only the definitions and the online store.
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
  return config;
}

/** Runs the CLI in-process; returns its exit code and what it printed on stdout. */
export async function cli(...args: string[]): Promise<{ code: number; out: string }> {
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
