/**
 * Featureflow's search attributes on a real dev server that starts without them: runs started before the setup
 * still start (unlabelled), `featureflow temporal setup` registers them, and the runs a client starts afterwards are
 * found by the visibility queries the Temporal UI runs, also after a backfill continued as new; a start refused over
 * an attribute removed since the look-up goes ahead without them.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createApiWorkflows } from '../../../src/client/api-workflows.js';
import { startBackfill } from '../../../src/client/backfill.js';
import { refusedOverSearchAttributes, setupSearchAttributes } from '../../../src/client/search-attributes.js';
import { FEATUREFLOW_KIND, FEATUREFLOW_VIEW } from '../../../src/workflows/contracts/search-attributes.js';
import { runCli } from '../../helpers/cli.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { waitFor } from './helpers/wait.js';
import { startTestWorker, type TestWorker } from './helpers/worker.js';

let env: TestWorkflowEnvironment;
let repo: TestRepo;
let worker: TestWorker | undefined;
const taskQueue = `wf-attrs-${randomUUID()}`;

beforeAll(async () => {
  [env, repo] = await Promise.all([startDevServer({ searchAttributes: [] }), createTestRepo()]);
  worker = await startTestWorker(env, { taskQueue, configPath: repo.config('attrs') });
});

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
  await repo?.cleanup();
});

/** Waits until a visibility query finds exactly `want` (workflow id and status per run): visibility lags behind. */
async function expectFound(client: Client, query: string, want: string[]): Promise<void> {
  let seen: string[] = [];
  await waitFor(`runs matching ${query} (want ${want.join(', ')}; last seen ${seen.join(', ')})`, async () => {
    const runs: string[] = [];
    for await (const run of client.workflow.list({ query })) runs.push(`${run.workflowId} ${run.status.name}`);
    seen = runs.sort();
    return JSON.stringify(seen) === JSON.stringify([...want].sort());
  });
}

it('starts runs unlabelled before the setup, and labelled by view, project and kind after it', { timeout: 180_000 }, async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const range = { view: 'user_txn', start: '2024-01-01T00:00:00Z', chunk: '1d', parallelism: 2 };
  // Days apart from the later backfill's: parallel chunks rewriting one older file of the same day race (engine).
  const before = await startBackfill(env.client, { ...range, start: '2024-01-05T00:00:00Z', end: '2024-01-06T00:00:00Z' }, { taskQueue, project: 'wf' });
  try {
    await before.result();
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain('featureflow temporal setup');
  } finally {
    warn.mockRestore();
  }

  const setup = await runCli('temporal', 'setup', '--address', env.address, '--json');
  expect(setup.code, setup.err).toBe(0);
  expect(JSON.parse(setup.out)).toEqual({ namespace: 'default', added: ['FeatureflowProject', 'FeatureflowView', 'FeatureflowKind'], present: [] });
  expect(await setupSearchAttributes(env.client)).toMatchObject({ added: [] });

  // A new client looks the attributes up afresh (each client checks once).
  const client = new Client({ connection: env.connection, namespace: 'default' });
  // Twelve 6h chunks with at most 25 history events per run: the attributes must survive continue-as-new.
  const backfill = await startBackfill(client, { ...range, chunk: '6h', end: '2024-01-04T00:00:00Z', maxHistoryEvents: 25 }, { taskQueue, project: 'wf' });
  const result = await backfill.result();
  expect(result.runs).toBeGreaterThan(1);

  const api = createApiWorkflows({ project: 'wf', address: env.address, taskQueue });
  try {
    const started = await api.materialize({ views: ['user_events', 'user_txn'], start: '2024-01-01T00:00:00Z', end: '2024-01-03T00:00:00Z' });
    expect(await api.outcome(started, 60_000)).toMatchObject({ status: 'completed' });

    const runs = Array.from({ length: result.runs }, (_, i) => `${backfill.workflowId} ${i === result.runs - 1 ? 'COMPLETED' : 'CONTINUED_AS_NEW'}`);
    await expectFound(client, 'FeatureflowView = "user_txn" AND FeatureflowKind = "backfill" AND FeatureflowProject = "wf"', runs);
    // A list attribute: either view finds the one materialize run.
    await expectFound(client, 'FeatureflowView = "user_events" AND FeatureflowKind = "materialize"', [`${started.workflowId} COMPLETED`]);
    await expectFound(client, 'FeatureflowView IN ("user_txn") AND FeatureflowKind = "materialize"', [`${started.workflowId} COMPLETED`]);
    // The run started before the setup carries none of them.
    expect((await before.describe()).typedSearchAttributes.get(FEATUREFLOW_KIND)).toBeUndefined();
    expect((await backfill.describe()).typedSearchAttributes.get(FEATUREFLOW_VIEW)).toEqual(['user_txn']);
  } finally {
    await api.close();
  }
});

it('starts a run unlabelled when an attribute was removed after the client looked them up', { timeout: 180_000 }, async () => {
  await setupSearchAttributes(env.client);
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const range = { view: 'user_txn', start: '2024-01-07T00:00:00Z', chunk: '1d' };
  const labelled = await startBackfill(client, { ...range, end: '2024-01-08T00:00:00Z' }, { taskQueue, project: 'wf' });
  await labelled.result();
  expect((await labelled.describe()).typedSearchAttributes.get(FEATUREFLOW_KIND)).toBe('backfill');

  await env.connection.operatorService.removeSearchAttributes({ namespace: 'default', searchAttributes: ['FeatureflowView'] });
  // Until the namespace has dropped it, labelled starts still pass: wait until the server refuses one.
  await waitFor('the server to refuse FeatureflowView', async () => {
    const id = `probe-${randomUUID()}`;
    try {
      await env.client.workflow.start('backfill', { taskQueue: `nobody-${id}`, workflowId: id, args: [{}], typedSearchAttributes: [{ key: FEATUREFLOW_VIEW, value: ['x'] }] });
    } catch (err) {
      return refusedOverSearchAttributes(err);
    }
    await env.client.workflow.getHandle(id).terminate('probe');
    return false;
  });

  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const unlabelled = await startBackfill(client, { ...range, end: '2024-01-09T00:00:00Z', start: '2024-01-08T00:00:00Z' }, { taskQueue, project: 'wf' });
    await unlabelled.result();
    expect((await unlabelled.describe()).typedSearchAttributes.get(FEATUREFLOW_KIND)).toBeUndefined();
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain('without search attributes');
    // The next start looks them up again and sets the ones still there.
    const next = await startBackfill(client, { ...range, start: '2024-01-06T00:00:00Z', end: '2024-01-07T00:00:00Z' }, { taskQueue, project: 'wf' });
    await next.result();
    const attributes = (await next.describe()).typedSearchAttributes;
    expect([attributes.get(FEATUREFLOW_KIND), attributes.get(FEATUREFLOW_VIEW)]).toEqual(['backfill', undefined]);
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain('FeatureflowView is not registered');
  } finally {
    warn.mockRestore();
  }
});
