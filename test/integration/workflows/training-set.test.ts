/**
 * The trainingSet workflow on a real dev server with the real engine: its file equals what getHistoricalFeatures
 * writes for the same request, relative paths are the worker's repo folder's, bad input fails at once naming the
 * field, one output path is written by one run at a time, progress and cancellation, and `featureflow historical
 * --workflow` end to end. Where a test must look at a run mid-way, a gate holds the activity where it opens its
 * DuckDB connection, so nothing depends on timing.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityResources } from '../../../src/activities/index.js';
import { getTrainingSetProgress, startTrainingSet, WorkflowAlreadyRunningError } from '../../../src/client.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { EngineContext } from '../../../src/engine/context.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { literal } from '../../../src/engine/sql.js';
import { FeatureflowError } from '../../../src/registry/errors.js';
import type { TrainingSetInput } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { createTestRepo, type TestRepo } from './helpers/repo.js';
import { waitFor } from './helpers/wait.js';
import { startTestWorker, workflowBundle, type TestWorker } from './helpers/worker.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LABELS = 200;
const FEATURES = ['user_events:amount', 'user_txn:*'];

let env: TestWorkflowEnvironment;
let repo: TestRepo;
/** The engine the reference sets are built with (same repo, same offline folder as the worker's). */
let reference: EngineContext;
let taskQueue: string;
const workers: TestWorker[] = [];

beforeAll(async () => {
  [env, repo] = await Promise.all([startDevServer(), createTestRepo(), workflowBundle()]).then(([e, r]) => [e, r] as const);
  reference = await repo.engine('train');
  // Labelled rows across the data's week (and a user without events), some before the first event.
  await reference.db.withConnection((c) =>
    c.run(`COPY (
      SELECT (i % 19) + 1 AS user_id,
             TIMESTAMPTZ '2023-12-31 18:00:00+00' + to_seconds(i * 3271) AS event_timestamp,
             i % 2 = 0 AS label
      FROM range(0, ${LABELS}) t(i)
    ) TO ${literal(path.join(repo.dir, 'labels.parquet'))} (FORMAT parquet)`),
  );
  await computeFeatures(reference, 'user_txn', new Date('2024-01-01T00:00:00Z'), new Date('2024-01-09T00:00:00Z'));
  taskQueue = `train-${randomUUID()}`;
  workers.push(await startTestWorker(env, { taskQueue, configPath: repo.config('train') }));
});

afterAll(async () => {
  for (const gate of gates) gate.openAll();
  await Promise.all(workers.map((w) => w.stop()));
  await env?.teardown();
  await repo?.cleanup();
});

/** Every row of a Parquet or CSV file, in file order, as JSON-friendly objects. */
async function rowsOf(file: string): Promise<Array<Record<string, unknown>>> {
  const relation = file.endsWith('.csv') ? `read_csv(${literal(file)})` : `read_parquet(${literal(file)})`;
  return reference.db.withConnection(async (c) => (await c.runAndReadAll(`SELECT * FROM ${relation}`)).getRowObjectsJson() as Array<Record<string, unknown>>);
}

/** What getHistoricalFeatures itself writes for the same request. */
async function referenceFile(refs: string[], file: string, options: { fullFeatureNames?: boolean } = {}): Promise<string> {
  const set = await getHistoricalFeatures(reference, { path: path.join(repo.dir, 'labels.parquet') }, refs, options);
  try {
    await set.write(file);
  } finally {
    set.close();
  }
  return file;
}

/** The innermost cause of a workflow failure, and the activity failure on the way if there is one. */
async function failureOf(run: Promise<unknown>): Promise<{ inner: Error; activity: ActivityFailure | undefined }> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let inner = err as Error;
  let activity: ActivityFailure | undefined;
  while (inner.cause instanceof Error) {
    inner = inner.cause;
    if (inner instanceof ActivityFailure) activity = inner;
  }
  return { inner, activity };
}

async function activityAttempts(workflowId: string): Promise<number[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 0] : []));
}

describe('trainingSet', () => {
  it('writes the rows getHistoricalFeatures writes, at a path relative to the worker repo folder', async () => {
    const input: TrainingSetInput = { entities: 'labels.parquet', features: FEATURES, out: 'sets/train.parquet', fullFeatureNames: true };
    const handle = await startTrainingSet(env.client, input, { taskQueue });
    const result = await handle.result();

    const out = path.join(repo.dir, 'sets', 'train.parquet');
    // user_id, event_timestamp, label + amount + 3 aggregations x 2 windows.
    expect(result).toMatchObject({ out, rows: LABELS, columns: 10, features: 7 });
    const expected = await rowsOf(await referenceFile(FEATURES, path.join(repo.dir, 'reference.parquet'), { fullFeatureNames: true }));
    const actual = await rowsOf(out);
    expect(actual).toEqual(expected);
    expect(actual.filter((r) => r['user_txn__txn_count_1d'] !== null && r['user_events__amount'] !== null).length).toBeGreaterThan(LABELS / 2);
    // Only the renamed file: no temporary one left behind.
    expect(readdirSync(path.dirname(out))).toEqual(['train.parquet']);
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    await recordHistory(env.client, 'training-set', handle.workflowId);
  });

  it('takes a feature service by name and writes CSV', async () => {
    // The same repo plus a feature service, over the same offline folder.
    const config = JSON.parse(readFileSync(repo.config('train'), 'utf8')) as Record<string, unknown>;
    const svcConfig = path.join(repo.dir, 'featureflow-svc.json');
    writeFileSync(svcConfig, JSON.stringify({ ...config, featureServices: [{ name: 'txn_v1', features: { user_txn: ['txn_count_1d', 'amount_sum_6h'], user_events: ['amount'] } }] }));
    const svcQueue = `svc-${randomUUID()}`;
    workers.push(await startTestWorker(env, { taskQueue: svcQueue, configPath: svcConfig }));

    const result = await (
      await startTrainingSet(env.client, { entities: 'labels.parquet', featureService: 'txn_v1', out: 'sets/svc.csv' }, { taskQueue: svcQueue })
    ).result();
    expect(result).toMatchObject({ out: path.join(repo.dir, 'sets', 'svc.csv'), rows: LABELS, columns: 6, features: 3 });
    const expected = await rowsOf(await referenceFile(['user_txn:txn_count_1d', 'user_txn:amount_sum_6h', 'user_events:amount'], path.join(repo.dir, 'reference.csv')));
    expect(await rowsOf(result.out)).toEqual(expected);
    expect(readFileSync(result.out, 'utf8').split('\n')[0]).toBe('user_id,event_timestamp,label,txn_count_1d,amount_sum_6h,amount');
  });

  it('fails at once on an invalid input, naming every bad field, whether checked by the client or the workflow', async () => {
    const bad = { entities: 3, features: ['user_events'], out: 'sets/x.txt' } as unknown as TrainingSetInput;
    const refused = await startTrainingSet(env.client, bad, { taskQueue }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(FeatureflowError);
    expect((refused as FeatureflowError).code).toBe('INVALID_WORKFLOW_INPUT');

    // Straight from the UI's form, past the client's check: the workflow says the same.
    const workflowId = `training-set-bad-${randomUUID()}`;
    const handle = await env.client.workflow.start('trainingSet', { taskQueue, workflowId, args: [bad] });
    const { inner } = await failureOf(handle.result());
    expect(inner).toBeInstanceOf(ApplicationFailure);
    expect((inner as ApplicationFailure).type).toBe('INVALID_WORKFLOW_INPUT');
    expect((inner as ApplicationFailure).nonRetryable).toBe(true);
    expect(inner.message.split('\n')).toEqual([
      'trainingSet input is invalid (3 problems):',
      '  entities: must be a .parquet or .csv file path or {"table":"NAME"}, got 3',
      '  features[0]: "user_events" is not a feature reference; write "view:feature", "view:*" or "service:NAME"',
      '  out: "sets/x.txt" must end in .parquet or .csv (that is how the format is chosen)',
    ]);
    expect(await activityAttempts(workflowId)).toEqual([]);
    expect((refused as FeatureflowError).message).toBe(inner.message);
  });

  it('fails at once, without retrying, on an unknown feature or a missing entity file', async () => {
    const unknown = await startTrainingSet(env.client, { entities: 'labels.parquet', features: ['user_events:nope'], out: 'sets/a.parquet' }, { taskQueue });
    const first = await failureOf(unknown.result());
    expect(first.activity?.activityType).toBe('buildTrainingSet');
    expect(first.inner).toMatchObject({ type: 'NOT_FOUND', nonRetryable: true });
    expect(first.inner.message).toBe('feature view "user_events" has no feature "nope"; it has: amount');
    expect(await activityAttempts(unknown.workflowId)).toEqual([1]);

    const missing = await startTrainingSet(env.client, { entities: 'nowhere/labels.csv', features: ['user_events:amount'], out: 'sets/b.parquet' }, { taskQueue });
    const second = await failureOf(missing.result());
    expect(second.inner).toMatchObject({ type: 'INVALID_REQUEST', nonRetryable: true });
    expect(second.inner.message).toContain(`cannot read entity file ${path.join(repo.dir, 'nowhere', 'labels.csv')}`);
    expect(await activityAttempts(missing.workflowId)).toEqual([1]);
    expect(existsSync(path.join(repo.dir, 'sets', 'a.parquet')) || existsSync(path.join(repo.dir, 'sets', 'b.parquet'))).toBe(false);
  });

  it('never runs twice at once for the same output file, however its path is spelt', async () => {
    // No worker polls this queue, so the first run stays running for as long as the test needs.
    const idle = `idle-${randomUUID()}`;
    const out = path.join(repo.dir, 'sets', 'once.parquet');
    const first = await startTrainingSet(env.client, { entities: 'labels.parquet', features: FEATURES, out }, { taskQueue: idle });
    expect(first.workflowId).toBe(`training-set:${out}`);
    const again = startTrainingSet(env.client, { entities: 'other.parquet', features: ['user_events:amount'], out: `${repo.dir}/sets/./x/../once.parquet` }, { taskQueue: idle });
    await expect(again).rejects.toBeInstanceOf(WorkflowAlreadyRunningError);
    await expect(again).rejects.toThrow(`is already running as workflow training-set:${out}`);

    await first.terminate('test over');
    const later = await startTrainingSet(env.client, { entities: 'labels.parquet', features: FEATURES, out }, { taskQueue: idle });
    expect(later.workflowId).toBe(first.workflowId);
    await later.terminate('test over');
  });
});

/** Holds each activity where it opens its DuckDB connection (after the first heartbeats) until released or cancelled. */
class ConnectGate {
  private waiting: Array<() => void> = [];
  private open = false;
  held = 0;

  resources(real: ActivityResources): ActivityResources {
    return {
      engine: async () => {
        const ctx = await real.engine();
        const db = Object.create(ctx.db, { connect: { value: () => this.pass().then(() => ctx.db.connect()) } }) as EngineContext['db'];
        return { ...ctx, db };
      },
      store: () => real.store(),
    };
  }

  private async pass(): Promise<void> {
    if (this.open) return;
    const signal = Context.current().cancellationSignal;
    this.held++;
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      signal.addEventListener('abort', () => resolve());
    });
    this.held--;
  }

  openAll(): void {
    this.open = true;
    for (const release of this.waiting.splice(0)) release();
  }
}

const gates: ConnectGate[] = [];

/** A worker on its own task queue whose activities wait at `gate`. */
async function gatedWorker(gate: ConnectGate): Promise<string> {
  gates.push(gate);
  const queue = `gated-${randomUUID()}`;
  workers.push(await startTestWorker(env, { taskQueue: queue, configPath: repo.config('train'), wrapResources: (r) => gate.resources(r) }));
  return queue;
}

describe('trainingSet mid-way', () => {
  it('reports its step through the activity heartbeats, which the client reads', async () => {
    const gate = new ConnectGate();
    const queue = await gatedWorker(gate);
    const handle = await startTrainingSet(env.client, { entities: 'labels.parquet', features: FEATURES, out: 'sets/progress.parquet' }, { taskQueue: queue });
    // The first heartbeat, sent at once, already names the step (the SDK holds later ones for 0.8 x the timeout).
    const progress = await waitFor('the loading step in the heartbeat details', async () => {
      const p = await getTrainingSetProgress(env.client, handle.workflowId);
      return p.step ? p : undefined;
    });
    expect(progress).toEqual({ status: 'RUNNING', activity: 'running', attempt: 1, step: '0/3 loading the entity rows', fraction: 0 });
    expect(gate.held).toBe(1);
    gate.openAll();
    expect((await handle.result()).rows).toBe(LABELS);
    expect(await getTrainingSetProgress(env.client, handle.workflowId)).toEqual({ status: 'COMPLETED', activity: 'none', attempt: 0 });
  });

  it('stops when cancelled, leaving no file behind', async () => {
    const gate = new ConnectGate();
    const queue = await gatedWorker(gate);
    const handle = await startTrainingSet(env.client, { entities: 'labels.parquet', features: FEATURES, out: 'sets/cancelled.parquet' }, { taskQueue: queue });
    await waitFor('the activity held at the gate', () => gate.held === 1);
    await handle.cancel();
    // The gate lets the activity go once the cancellation reaches it; it then stops before writing.
    const { inner } = await failureOf(handle.result());
    expect(inner).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(gate.held).toBe(0);
    expect(readdirSync(path.join(repo.dir, 'sets')).filter((f) => f.includes('cancelled'))).toEqual([]);
    await recordHistory(env.client, 'training-set-cancel', handle.workflowId);
  });
});

/** Runs the CLI as a user would, from its own folder; resolves with the exit code and what it printed. */
function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'featureflow.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('featureflow historical --workflow', () => {
  it('writes the file through the workflow, paths taken from the current folder, and prints the counts', async () => {
    // A folder of its own: were the paths not made absolute here, the worker would look in its repo folder.
    const here = path.join(repo.dir, 'analyst');
    mkdirSync(here);
    await reference.db.withConnection((c) =>
      c.run(`COPY (SELECT * FROM read_parquet(${literal(path.join(repo.dir, 'labels.parquet'))})) TO ${literal(path.join(here, 'labels.csv'))} (FORMAT csv, HEADER true)`),
    );
    const target = ['--config', repo.config('train'), '--task-queue', taskQueue, '--address', env.address];
    const run = await cli(['historical', '--workflow', '--entities', 'labels.csv', '--features', 'user_events:amount,user_txn:txn_count_1d', '--out', 'out/train.csv', ...target], here);

    const out = path.join(here, 'out', 'train.csv');
    expect(run.stderr).not.toContain('featureflow:');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Started training set training-set:${out}`);
    expect(lines[1]).toContain(`/namespaces/default/workflows/${encodeURIComponent(`training-set:${out}`)}`);
    expect(lines[2]).toMatch(/^Wrote 200 rows x 5 columns \(2 features\) to .+ in \d+\.\ds$/);
    expect(lines[2]).toContain(` to ${out} in `);
    expect((await rowsOf(out)).length).toBe(LABELS);
  });

  it("exits 1 with the workflow's own failure message", async () => {
    const here = path.join(repo.dir, 'analyst-2');
    mkdirSync(here);
    const run = await cli(
      ['historical', '--workflow', '--entities', 'missing.csv', '--features', 'user_events:amount', '--out', 'out.parquet',
        '--config', repo.config('train'), '--task-queue', taskQueue, '--address', env.address],
      here,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `featureflow: training set training-set:${path.join(here, 'out.parquet')} failed: cannot read entity file ${path.join(here, 'missing.csv')}`,
    );
    expect(run.stderr).toContain('[INVALID_REQUEST]');
    expect(existsSync(path.join(here, 'out.parquet'))).toBe(false);
  });
});
