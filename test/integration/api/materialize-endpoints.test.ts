/**
 * Feast's POST /materialize and /materialize-incremental on our server start Temporal workflows on the workers
 * (a real dev server, a real worker, real Redis): 202 with the workflow id and UI link at once, the result with
 * `?wait=true`, the same run when the same request comes again while it runs, and 503 while Temporal is away.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import type { WorkflowStarter } from '../../../src/api/workflow-starter.js';
import { createApiWorkflows } from '../../../src/client/api-workflows.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import type { MaterializeResult } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { createTestRepo, type TestRepo } from '../workflows/helpers/repo.js';
import { startTestWorker, type TestWorker } from '../workflows/helpers/worker.js';

const TASK_QUEUE = 'api-materialize';
let env: TestWorkflowEnvironment;
let repo: TestRepo;
let worker: TestWorker;
let store: RedisOnlineStore;
let workflows: WorkflowStarter;
let api: ApiServer;
let base: string;
// Holds materializeRange until released, to catch a run while it is still running.
let gate: { wait: Promise<void>; open: () => void } | undefined;

beforeAll(async () => {
  env = await startDevServer();
  repo = await createTestRepo();
  worker = await startTestWorker(env, {
    taskQueue: TASK_QUEUE,
    configPath: repo.config('api'),
    overrideActivities: (real) => ({
      async materializeRange(input) {
        await gate?.wait;
        return real.materializeRange(input);
      },
    }),
  });
  const { repo: loaded } = await loadValidatedRepo(repo.config('api'));
  store = await connectOnlineStore({ url: loaded.onlineStore.url, keyPrefix: repo.keyPrefix });
  workflows = createApiWorkflows({ project: loaded.project, address: env.address, taskQueue: TASK_QUEUE });
  api = createServer({ repo: loaded, store, workflows, logger: silentLogger });
  base = (await api.listen(0)).url;
});

afterAll(async () => {
  await api?.close();
  await workflows?.close();
  await store?.close();
  await worker?.stop();
  await env?.teardown();
  await repo?.cleanup();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function newGate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('POST /materialize', () => {
  it('starts the materialize workflow and answers 202 with its id and UI link at once', async () => {
    gate = newGate();
    try {
      const body = { start_ts: '2024-01-01T00:00:00', end_ts: '2024-01-02T00:00:00', feature_views: ['user_events'], full_feature_names: false };
      const first = await post('/materialize', body);
      expect(first.status).toBe(202);
      expect(first.json).toMatchObject({
        status: 'accepted',
        feature_views: ['user_events'],
        workflow_id: 'featureflow:wf:materialize:2024-01-01T00:00:00.000Z..2024-01-02T00:00:00.000Z:user_events',
        already_running: false,
      });
      expect(first.json.ui_url).toMatch(/\/namespaces\/default\/workflows\/featureflow%3Awf%3Amaterialize/);
      // The same request while the first still runs finds that run instead of starting a second.
      const again = await post('/materialize', body);
      expect(again.json).toMatchObject({ workflow_id: first.json.workflow_id, run_id: first.json.run_id, already_running: true });
      // Waiting briefly on a run that cannot finish yet answers 202 running.
      const waited = await post('/materialize?wait=true&timeout=1', body);
      expect(waited.status).toBe(202);
      expect(waited.json.status).toBe('running');
      gate.open();
      const result = (await env.client.workflow.getHandle(first.json.workflow_id as string).result()) as MaterializeResult;
      expect(result.views[0]).toMatchObject({ view: 'user_events', start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T00:00:00.000Z' });
      await recordHistory(env.client, 'materialize-range', first.json.workflow_id as string);
    } finally {
      gate.open();
      gate = undefined;
    }
  });

  it('with wait=true answers 200 with the result once the values are served', async () => {
    const res = await post('/materialize?wait=true', { start_ts: '2024-01-02T00:00:00Z', end_ts: '2024-01-03T00:00:00Z', feature_views: ['user_events'] });
    expect(res.status).toBe(200);
    const result = res.json.result as MaterializeResult;
    expect(res.json.status).toBe('completed');
    expect(result.views[0]?.rowsRead).toBeGreaterThan(0);
    expect(result.views[0]?.keysWritten).toBe(17);
    const read = await post('/get-online-features', { features: ['user_events:amount'], entities: { user_id: [1, 99] } });
    expect((read.json.results as Array<{ statuses: string[] }>)[1]?.statuses).toEqual(['PRESENT', 'NOT_FOUND']);
  });

  it('answers 500 naming the failure when the workflow fails, with its id to look it up', async () => {
    // user_txn is a computed view with no computed rows in this repo.
    const res = await post('/materialize?wait=1', { start_ts: '2024-01-01', end_ts: '2024-01-02', feature_views: ['user_txn'] });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ status: 'failed', error: { code: 'WORKFLOW_FAILED' } });
    expect((res.json.error as { message: string }).message).toContain('user_txn');
    expect(res.json.workflow_id).toMatch(/^featureflow:wf:materialize:/);
  });

  it('refuses bad requests before starting anything, naming the field', async () => {
    expect((await post('/materialize', { start_ts: '2024-01-02', end_ts: '2024-01-01' })).json.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('must be before end_ts'),
    });
    const unknown = await post('/materialize', { start_ts: '2024-01-01', end_ts: '2024-01-02', feature_views: ['nope'] });
    expect(unknown.status).toBe(404);
    expect((await post('/materialize', { start_ts: '2024-01-01', end_ts: '2024-01-02', feature_veiws: ['user_events'] })).json.error).toMatchObject({
      message: expect.stringContaining('did you mean "feature_views"'),
    });
    expect((await post('/materialize?wait=maybe', { start_ts: '2024-01-01', end_ts: '2024-01-02' })).status).toBe(400);
  });
});

describe('POST /materialize-incremental', () => {
  it('starts materializeIncremental up to end_ts and continues from the watermark', async () => {
    const res = await post('/materialize-incremental?wait=true', { end_ts: '2024-01-05T00:00:00', feature_views: ['user_events'] });
    expect(res.status).toBe(200);
    expect(res.json.workflow_id).toBe('featureflow:wf:materialize-incremental:2024-01-05T00:00:00.000Z:user_events');
    expect(res.json.result).toMatchObject({ end: '2024-01-05T00:00:00.000Z', endSource: 'input' });
    expect((await store.getWatermark('wf', 'user_events'))?.end).toBe('2024-01-05T00:00:00.000Z');
  });
});

describe('without Temporal', () => {
  it('answers 503 TEMPORAL_UNAVAILABLE (reads keep working)', async () => {
    const { repo: loaded } = await loadValidatedRepo(repo.config('api'));
    const away = createApiWorkflows({ project: 'wf', address: '127.0.0.1:1' });
    const server = createServer({ repo: loaded, store, workflows: away, logger: silentLogger });
    const { url } = await server.listen(0);
    try {
      const res = await fetch(`${url}/materialize-incremental`, { method: 'POST', body: JSON.stringify({ end_ts: '2024-01-05' }) });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TEMPORAL_UNAVAILABLE');
      const read = await fetch(`${url}/get-online-features`, { method: 'POST', body: JSON.stringify({ features: ['user_events:amount'], entities: { user_id: [1] } }) });
      expect(read.status).toBe(200);
    } finally {
      await server.close();
      await away.close();
    }
  });
});
