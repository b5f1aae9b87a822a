/**
 * A worker process is SIGKILLed in the middle of a backfill; a new one finishes it. The result must be complete
 * and identical to an uninterrupted computation, and a chunk whose completion the server had recorded before the
 * kill must never run again (only chunks in flight at the kill may run twice).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getBackfillProgress, startBackfill } from '../../../src/client.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { ComputeChunkInput } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { waitFor } from './helpers/wait.js';
import { workflowBundle } from './helpers/worker.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
const TASK_QUEUE = 'wf-crash';

let env: TestWorkflowEnvironment;
let repo: TestRepo;
let bundlePath: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  let bundle;
  [env, repo, bundle] = await Promise.all([startDevServer(), createTestRepo(), workflowBundle()]);
  bundlePath = path.join(repo.dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  mkdirSync(path.join(repo.dir, 'markers'));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await env?.teardown();
  await repo?.cleanup();
});

/** Starts a worker process and resolves once it polls. */
async function spawnWorker(identity: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE,
      FEATUREFLOW_CONFIG: repo.config('crash'),
      MARKER_DIR: path.join(repo.dir, 'markers'),
      WORKER_IDENTITY: identity,
      WORKFLOW_BUNDLE: bundlePath,
      CHUNK_DELAY_MS: '300',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => data.toString().includes('ready') && resolve());
    child.once('exit', (code, signal) => reject(new Error(`worker ${identity} exited early (${code ?? signal})`)));
  });
  return child;
}

/** Executions per chunk start, from the marker files; and per worker identity. */
function executions(): Map<string, string[]> {
  const byChunk = new Map<string, string[]>();
  for (const name of readdirSync(path.join(repo.dir, 'markers'))) {
    const [start, identity] = [name.slice(0, 24), name.slice(25).split('.')[0] ?? ''];
    byChunk.set(start, [...(byChunk.get(start) ?? []), identity]);
  }
  return byChunk;
}

it('finishes after a worker is killed mid-way, identical to an uninterrupted run, redoing no finished chunk', async () => {
  const first = await spawnWorker('worker-1');
  const range = { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-04T00:00:00Z' };
  const handle = await startBackfill(
    env.client,
    { ...range, chunk: '6h', parallelism: 2, heartbeatTimeout: '2s' },
    { taskQueue: TASK_QUEUE },
  );
  await waitFor('a few chunks done', async () => (await getBackfillProgress(env.client, handle.workflowId)).chunksDone >= 3);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const second = await spawnWorker('worker-2');

  const result = await handle.result();
  second.kill('SIGTERM');
  expect(result).toMatchObject({ chunksTotal: 12, chunksDone: 12 });

  // Which worker the server credits with each chunk's completion.
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const inputOf = new Map<string, ComputeChunkInput>();
  for (const e of events) {
    const payload = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
    if (payload) inputOf.set(String(e.eventId), JSON.parse(Buffer.from(payload).toString('utf8')) as ComputeChunkInput);
  }
  const completedBy = new Map<string, string>();
  for (const e of events) {
    const done = e.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const input = inputOf.get(String(done.scheduledEventId));
    if (input) completedBy.set(input.start, done.identity ?? '');
  }
  expect(completedBy.size).toBe(12);
  const beforeKill = [...completedBy].filter(([, identity]) => identity === 'worker-1').map(([start]) => start);
  const afterKill = [...completedBy].filter(([, identity]) => identity === 'worker-2').map(([start]) => start);
  expect(beforeKill.length).toBeGreaterThanOrEqual(3);
  expect(afterKill.length).toBeGreaterThan(0);

  const runs = executions();
  expect(runs.size).toBe(12);
  for (const start of beforeKill) expect(runs.get(start), `chunk ${start} finished before the kill`).toEqual(['worker-1']);
  const rerun = [...runs].filter(([, ids]) => ids.length > 1);
  // Only chunks in flight at the kill (at most `parallelism`) ran twice: once on each worker.
  expect(rerun.length).toBeLessThanOrEqual(2);
  for (const [, ids] of rerun) expect(ids).toEqual(['worker-1', 'worker-2']);

  const reference = await computeFeatures(await repo.engine('reference'), 'user_txn', new Date(range.start), new Date(range.end));
  expect(result.rowsWritten).toBe(reference.rowsWritten);
  expect(await repo.offlineRows('crash', 'user_txn')).toEqual(await repo.offlineRows('reference', 'user_txn'));
  await recordHistory(env.client, 'backfill-worker-crash', handle.workflowId);
});
