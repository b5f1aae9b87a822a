/**
 * `featureflow replay` end to end on a real dev server: a finished workflow fetched by id, the same history as the
 * Temporal CLI exports it, a workflow still running (what a deploy check replays), one run of a chain that continued
 * as new, and an id the server does not know. With RECORD_HISTORIES=1 the CLI's export is also kept as a recorded
 * history, so CI replays that format too.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { startBackfill, startComputeFeatures } from '../../../src/client.js';
import { devServerExecutable } from '../../../src/devtools/temporal-binaries.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { HISTORIES_DIR, recording } from '../../replay/record.js';
import { ChunkGate } from './helpers/gate.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { waitFor } from './helpers/wait.js';
import { startTestWorker, workflowBundle, type TestWorker } from './helpers/worker.js';

let env: TestWorkflowEnvironment;
let repo: TestRepo;
const workers: TestWorker[] = [];

beforeAll(async () => {
  [env, repo] = await Promise.all([startDevServer(), createTestRepo(), workflowBundle()]).then(([e, r]) => [e, r] as const);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await env?.teardown();
  await repo?.cleanup();
});

async function workerFor(name: string, gate?: ChunkGate): Promise<string> {
  const taskQueue = `replay-${name}-${randomUUID()}`;
  workers.push(await startTestWorker(env, { taskQueue, configPath: repo.config(name), ...(gate ? { compute: gate.compute } : {}) }));
  return taskQueue;
}

/** `featureflow replay ...args` in this process: exit status, stdout lines, stderr text. */
async function replay(...args: string[]): Promise<{ status: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { status: await main(['replay', ...args]), out, err: err.join('\n') };
  } finally {
    vi.restoreAllMocks();
  }
}

/** `temporal workflow show --output json`, the export users are told to make. */
function temporalCliExport(workflowId: string): string {
  const cli = devServerExecutable();
  if (cli.type !== 'existing-path') throw new Error('this test needs the Temporal CLI: run node scripts/setup.mjs');
  return execFileSync(cli.path, ['workflow', 'show', '--workflow-id', workflowId, '--address', env.address, '--output', 'json'], {
    encoding: 'utf8',
  });
}

describe('featureflow replay against a dev server', () => {
  it('replays a finished workflow fetched by id, and the history the Temporal CLI exports for it', async () => {
    const taskQueue = await workerFor('finished');
    const handle = await startComputeFeatures(
      env.client,
      { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-03T00:00:00Z' },
      { taskQueue },
    );
    await handle.result();

    const fetched = await replay('--workflow-id', handle.workflowId, '--address', env.address);
    expect(fetched).toMatchObject({ status: 0, out: [expect.stringMatching(/^ok {4}compute:user_txn:\S+ \(computeFeatures, \d+ events\)$/)] });
    expect(fetched.err).toMatch(/1 history replayed against Featureflow's workflows, all deterministic/);

    const exported = temporalCliExport(handle.workflowId);
    const file = path.join(repo.dir, 'exported.json');
    writeFileSync(file, exported);
    expect(await replay('--file', file)).toMatchObject({ status: 0, out: [expect.stringMatching(/^ok {4}.*exported\.json \(computeFeatures/)] });
    if (recording()) writeFileSync(path.join(HISTORIES_DIR, 'compute-features-temporal-cli.json'), exported);
  });

  it('replays a workflow that is still running, as far as its history goes', async () => {
    const gate = new ChunkGate(computeFeatures);
    const taskQueue = await workerFor('running', gate);
    const handle = await startBackfill(
      env.client,
      { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-05T00:00:00Z', chunk: '1d', parallelism: 2 },
      { taskQueue },
    );
    await waitFor('two chunks held', () => gate.held().length === 2);

    const running = await replay('--workflow-id', handle.workflowId, '--address', env.address);
    expect(running).toMatchObject({ status: 0, out: [expect.stringMatching(/^ok {4}backfill:user_txn:\S+ \(backfill, \d+ events\)$/)] });
    expect((await handle.describe()).status.name).toBe('RUNNING');

    gate.openAll();
    await handle.result();
  });

  it('replays the run given by --run-id of a chain that continued as new', async () => {
    const taskQueue = await workerFor('chain');
    const handle = await startBackfill(
      env.client,
      { view: 'user_txn', start: '2024-01-01T00:00:00Z', end: '2024-01-03T00:00:00Z', chunk: '6h', parallelism: 2, maxHistoryEvents: 25 },
      { taskQueue },
    );
    expect((await handle.result()).runs).toBeGreaterThan(1);
    const firstRun = handle.firstExecutionRunId;

    const result = await replay('--workflow-id', handle.workflowId, '--run-id', firstRun, '--address', env.address);
    expect(result).toMatchObject({ status: 0, out: [expect.stringMatching(new RegExp(`^ok {4}backfill:\\S+ \\(run ${firstRun}\\) \\(backfill, \\d+ events\\)$`))] });
  });

  it('exits 1 naming a workflow id the server does not know', async () => {
    const result = await replay('--workflow-id', 'no-such-workflow', '--address', env.address);
    expect(result.status).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toMatch(/^featureflow: no workflow "no-such-workflow" in namespace "default" at \S+ .*\[NOT_FOUND\]$/);
  });
});
