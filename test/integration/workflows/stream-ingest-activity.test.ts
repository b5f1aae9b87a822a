/**
 * The real ingestStream activity, with the ingest loop faked (the real one needs a broker), driven through
 * `featureflow stream start|status|stop`: its heartbeats carry positions and counters that `status` shows, a stop
 * reaches the loop as its AbortSignal and ends the workflow cancelled, a run stops itself after runFor and the
 * workflow starts the next, and a view that is not a stream view is refused before anything starts.
 */
import { randomUUID } from 'node:crypto';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStreamIngestStatus, startStreamIngest, stopStreamIngest } from '../../../src/client.js';
import { MAX_HEARTBEAT_THROTTLE_INTERVAL } from '../../../src/worker.js';
import { streamIngestWorkflowId, streamStatusQuery } from '../../../src/workflows/shared.js';
import type { streamIngest } from '../../../src/workflows/stream-ingest.js';
import { runCli } from '../../helpers/cli.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { FakeIngest } from './helpers/fake-ingest.js';
import { createStreamRepo, PLAIN_VIEW, STREAM_PROJECT, STREAM_VIEW, type StreamRepo } from './helpers/stream-repo.js';
import { waitFor } from './helpers/wait.js';
import { startTestWorker, workflowBundle } from './helpers/worker.js';

let env: TestWorkflowEnvironment;
let repo: StreamRepo;
const workflowId = streamIngestWorkflowId(STREAM_PROJECT, STREAM_VIEW);

beforeAll(async () => {
  repo = createStreamRepo();
  [env] = await Promise.all([startDevServer(), workflowBundle()]);
});

afterAll(async () => {
  await env?.teardown();
  repo?.cleanup();
});

describe('ingestStream through featureflow stream', () => {
  it('heartbeats positions and counters that status shows, and stops the loop through its signal on stop', async () => {
    const queue = `stream-cli-${randomUUID()}`;
    const ingest = new FakeIngest(5);
    // As featureflow worker does (MAX_HEARTBEAT_THROTTLE_INTERVAL): heartbeats reach the server within seconds even
    // under the default 30 s heartbeat timeout, whose own throttle (24 s) would leave status and stop far behind.
    const worker = await startTestWorker(env, { taskQueue: queue, configPath: repo.config, streamIngest: ingest.run, maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE_INTERVAL });
    const cli = (...args: string[]) => runCli('stream', ...args, '--config', repo.config, '--address', env.address, '--task-queue', queue);
    try {
      const started = await cli('start', STREAM_VIEW);
      expect(started.err).toBe('');
      expect(started.code).toBe(0);
      expect(started.out).toContain(`Started stream ingestion of ${STREAM_VIEW}: workflow ${workflowId}`);
      const again = await cli('start', STREAM_VIEW);
      expect(again.code).toBe(0);
      expect(again.out).toContain(`Stream ingestion of ${STREAM_VIEW} is already running as workflow ${workflowId}`);

      const report = await waitFor('a heartbeat with the fifth position', async () => {
        const r = await getStreamIngestStatus(env.client, workflowId);
        return r.heartbeat?.events === 5 ? r : undefined;
      });
      expect(report).toMatchObject({ status: 'RUNNING', activity: 'running', attempt: 1 });
      expect(report.heartbeat).toMatchObject({ view: STREAM_VIEW, positions: { '0': '5' }, events: 5, totalEvents: 105, late: 0, invalid: 0, pending: 0 });
      const status = await cli('status', STREAM_VIEW);
      expect(status.code).toBe(0);
      expect(status.out).toContain(`${workflowId}: RUNNING`);
      expect(status.out).toContain('positions: {"0":"5"}');
      expect(status.out).toMatch(/this run \(since [^)]+\): 5 events.*, lag 0 messages/);
      expect(status.out).toContain('view totals: 105 events, 0 late, 0 invalid');
      const json = JSON.parse((await cli('status', STREAM_VIEW, '--json')).out) as { heartbeat: { positions: Record<string, string> } };
      expect(json.heartbeat.positions).toEqual({ '0': '5' });

      const stopped = await cli('stop', STREAM_VIEW);
      expect(stopped.code).toBe(0);
      expect(stopped.out).toContain(`Stopped stream ingestion of ${STREAM_VIEW} (workflow ${workflowId}).`);
      expect(ingest.calls).toHaveLength(1);
      expect(ingest.calls[0]?.stoppedWith).toBeInstanceOf(CancelledFailure);
      const after = await cli('status', STREAM_VIEW);
      expect(after.code).toBe(3);
      expect(after.out).toContain(`${workflowId}: CANCELLED`);
      expect((await cli('stop', STREAM_VIEW)).out).toContain('is not running');
    } finally {
      await worker.stop();
    }
  });

  it('ends a run after runFor with its stats, and the workflow starts the next one', async () => {
    const queue = `stream-runfor-${randomUUID()}`;
    const ingest = new FakeIngest(3);
    const worker = await startTestWorker(env, { taskQueue: queue, configPath: repo.config, streamIngest: ingest.run });
    try {
      const started = await startStreamIngest(env.client, STREAM_PROJECT, { view: STREAM_VIEW, runFor: '1s', heartbeatTimeout: '2s' }, { taskQueue: queue });
      await waitFor('the second run', () => ingest.calls.length >= 2);
      const first = ingest.calls[0];
      expect(first?.stoppedWith).toBeInstanceOf(Error);
      expect(first?.stoppedWith).not.toBeInstanceOf(CancelledFailure);
      const status = await env.client.workflow.getHandle<typeof streamIngest>(started.workflowId).query(streamStatusQuery);
      expect(status.runs).toBeGreaterThanOrEqual(1);
      expect(status.lastRun).toMatchObject({ positions: { '0': '3' }, events: 3, late: 0, invalid: 0 });
      expect(await stopStreamIngest(env.client, started.workflowId)).toBe('stopped');
    } finally {
      await worker.stop();
    }
  });

  it('refuses a view that does not read a stream source, or does not exist, before starting anything', async () => {
    const plain = await runCli('stream', 'start', PLAIN_VIEW, '--config', repo.config, '--address', env.address);
    expect(plain.code).toBe(1);
    expect(plain.err).toContain(`feature view "${PLAIN_VIEW}" reads file source "txn_batch", not a stream source; views on a stream source: ${STREAM_VIEW} [INVALID_REQUEST]`);
    const unknown = await runCli('stream', 'start', 'nope', '--config', repo.config, '--address', env.address);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown feature view "nope"');
    expect((await getStreamIngestStatus(env.client, streamIngestWorkflowId(STREAM_PROJECT, PLAIN_VIEW))).status).toBe('NOT_FOUND');
  });
});
