/**
 * A worker process running a stream view's ingestion is SIGKILLed; Temporal notices at the heartbeat timeout and
 * retries the run on another worker, which resumes from the stored position (not from the start, not from the last
 * heartbeat). Then the second worker is killed too and the ingestion stopped while no worker runs: a third worker
 * ends the workflow cancelled and starts no further run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStreamIngestStatus, startStreamIngest } from '../../../src/client.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { createStreamRepo, STREAM_PROJECT, STREAM_VIEW, type StreamRepo } from './helpers/stream-repo.js';
import { waitFor } from './helpers/wait.js';
import { workflowBundle } from './helpers/worker.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/stream-worker.ts', import.meta.url));
const TASK_QUEUE = 'stream-crash';

let env: TestWorkflowEnvironment;
let repo: StreamRepo;
let bundlePath: string;
let stateDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  repo = createStreamRepo();
  let bundle;
  [env, bundle] = await Promise.all([startDevServer(), workflowBundle()]);
  bundlePath = path.join(repo.dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  stateDir = path.join(repo.dir, 'state');
  mkdirSync(stateDir);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await env?.teardown();
  repo?.cleanup();
});

async function spawnWorker(identity: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE,
      FEATUREFLOW_CONFIG: repo.config,
      STATE_DIR: stateDir,
      WORKER_IDENTITY: identity,
      WORKFLOW_BUNDLE: bundlePath,
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

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const position = (): number => (existsSync(path.join(stateDir, 'position')) ? Number(readFileSync(path.join(stateDir, 'position'), 'utf8')) : 0);

/** Where each ingest call resumed from, by worker identity, in call order. */
function resumedFrom(): Array<{ identity: string; from: number }> {
  return readdirSync(stateDir)
    .filter((name) => name.startsWith('start.'))
    .sort()
    .map((name) => ({ identity: name.split('.')[1] ?? '', from: Number(readFileSync(path.join(stateDir, name), 'utf8')) }));
}

it('resumes on another worker from the stored position after a worker dies, and still stops cleanly when the next one dies', async () => {
  const first = await spawnWorker('worker-1');
  const started = await startStreamIngest(env.client, STREAM_PROJECT, { view: STREAM_VIEW, heartbeatTimeout: '2s' }, { taskQueue: TASK_QUEUE });
  await waitFor('worker-1 to get some way', () => position() >= 20);
  await kill(first);
  const storedAtKill = position();

  const second = await spawnWorker('worker-2');
  await waitFor('worker-2 to get some way further', () => position() >= storedAtKill + 20);
  expect(resumedFrom()).toEqual([
    { identity: 'worker-1', from: 0 },
    { identity: 'worker-2', from: storedAtKill },
  ]);
  const report = await waitFor('a heartbeat of the retried run', async () => {
    const r = await getStreamIngestStatus(env.client, started.workflowId);
    return r.attempt >= 2 && r.heartbeat && Number(r.heartbeat.positions['0']) > storedAtKill ? r : undefined;
  });
  expect(report).toMatchObject({ status: 'RUNNING', activity: 'running' });
  expect(report.lastFailure).toMatch(/heartbeat timeout/i);

  // Stopped while no worker runs: the workflow, picked up by a new worker, ends cancelled and starts no further run.
  await kill(second);
  const handle = env.client.workflow.getHandle(started.workflowId);
  await handle.cancel();
  const third = await spawnWorker('worker-3');
  const outcome = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  third.kill('SIGTERM');
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(resumedFrom().map((r) => r.identity)).toEqual(['worker-1', 'worker-2']);
  expect((await getStreamIngestStatus(env.client, started.workflowId)).status).toBe('CANCELLED');
  await recordHistory(env.client, 'stream-ingest-worker-crash', started.workflowId);
});
