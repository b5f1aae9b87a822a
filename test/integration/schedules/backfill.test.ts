/**
 * A Schedule backfill over 48 past hourly windows, on a real dev server (the time-skipping server has no Schedules):
 * each run materializes up to its own scheduled time, one after another, so Redis ends up holding, per entity, the
 * latest value as of the last window -- checked against a brute-force reference through the HTTP API. Events after
 * the last window exist in the data and must not be served.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { silentLogger } from '../../../src/api/logger.js';
import { applySchedules, backfillSchedule, failedWindowRuns, scheduleId, viewSchedule, waitForScheduleRuns } from '../../../src/client.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import type { Repo } from '../../../src/registry/schema.js';
import type { MaterializeIncrementalResult } from '../../../src/workflows/shared.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { recordHistory } from '../../replay/record.js';
import { startTestWorker, type TestWorker } from '../workflows/helpers/worker.js';
import { createRecentRepo, HOUR_MS, USERS, type RecentRepo } from './helpers/recent-repo.js';

const TASK_QUEUE = 'sched-backfill';
const WINDOWS = 48;
// The last full hour before now, and the 47 before it: every one of them lies in the data's 72 hours.
const lastWindowMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
const firstWindowMs = lastWindowMs - (WINDOWS - 1) * HOUR_MS;

let env: TestWorkflowEnvironment;
let data: RecentRepo;
let repo: Repo;
let worker: TestWorker;
let store: RedisOnlineStore;
let api: ApiServer;

beforeAll(async () => {
  env = await startDevServer();
  data = await createRecentRepo(Date.now());
  const config = data.config('schedbf');
  repo = (await loadValidatedRepo(config)).repo;
  worker = await startTestWorker(env, { taskQueue: TASK_QUEUE, configPath: config });
  store = await connectOnlineStore({ url: repo.onlineStore.url, keyPrefix: repo.onlineStore.keyPrefix });
  api = createServer({ repo, store, logger: silentLogger });
  await api.listen(0);
});

afterAll(async () => {
  await api?.close();
  await store?.close();
  await worker?.stop();
  await env?.teardown();
  await data?.cleanup();
});

it('materializes each of 48 past hourly windows as of its own time, leaving the latest value as of the last one', { timeout: 300_000 }, async () => {
  const changes = await applySchedules(env.client, repo, { taskQueue: TASK_QUEUE });
  expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual([`created ${scheduleId('schedbf', 'materialize', 'user_last')}`]);
  const handle = await viewSchedule(env.client, 'schedbf', 'user_last');
  // Paused, so no real hourly run moves the watermark to "now" in the middle of the test; backfills still run.
  await handle.pause('test: only the backfill runs');
  // Half an hour either side of the first and last window: exactly 48 cron times fall inside.
  const windows = await backfillSchedule(handle, new Date(firstWindowMs - HOUR_MS / 2), new Date(lastWindowMs + HOUR_MS / 2));
  expect(windows.map((w) => w.getTime())).toEqual(Array.from({ length: WINDOWS }, (_, i) => firstWindowMs + i * HOUR_MS));

  await waitForScheduleRuns(handle, 0, WINDOWS);
  const described = await handle.describe();
  expect(described.info.numActionsTaken).toBe(WINDOWS);
  expect(described.info.numActionsSkippedOverlap).toBe(0);
  expect(await failedWindowRuns(handle, env.client, windows)).toEqual([]);

  // Every run completed, in time order, each up to its own scheduled time.
  const results: MaterializeIncrementalResult[] = [];
  for (let i = 0; i < WINDOWS; i++) {
    const nominal = new Date(firstWindowMs + i * HOUR_MS).toISOString().replace('.000Z', 'Z');
    const run = env.client.workflow.getHandle(`materialize:schedbf:user_last-${nominal}`);
    results.push((await run.result()) as MaterializeIncrementalResult);
    if (i === 0) await recordHistory(env.client, 'materialize-incremental-scheduled', run.workflowId);
  }
  expect(results.map((r) => r.endSource)).toEqual(Array(WINDOWS).fill('schedule'));
  expect(results.map((r) => Date.parse(r.end))).toEqual(Array.from({ length: WINDOWS }, (_, i) => firstWindowMs + i * HOUR_MS));
  // The first run starts at end - ttl; each later one exactly where the one before stopped.
  const ranges = results.map((r) => r.views[0]);
  expect(ranges[0]?.start).toBe(new Date(firstWindowMs - 7 * 24 * HOUR_MS).toISOString());
  for (let i = 1; i < WINDOWS; i++) {
    const r = ranges[i];
    if (!r?.upToDate) expect(r?.start).toBe(results[i - 1]?.end);
  }
  expect((await store.getWatermark('schedbf', 'user_last'))?.end).toBe(new Date(lastWindowMs).toISOString());

  // What a client reads over HTTP equals the brute-force latest value per entity before the last window.
  const users = Array.from({ length: USERS + 2 }, (_, i) => i + 1);
  const response = await fetch(`${api.address().url}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ features: ['user_last:amount'], entities: { user_id: users } }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { results: Array<{ values: unknown[]; statuses: string[] }> };
  const expected = data.latestBefore(lastWindowMs);
  const served = users.map((u, i) => [u, body.results[1]?.statuses[i], body.results[1]?.values[i]]);
  const reference = users.map((u) => (expected.has(u) ? [u, 'PRESENT', expected.get(u)] : [u, 'NOT_FOUND', null]));
  expect(served).toEqual(reference);
  // The data does hold later events (they must be left out), and enough entities to mean something.
  expect(data.events.some((e) => e.eventMs >= lastWindowMs)).toBe(true);
  expect(expected.size).toBeGreaterThan(20);
  expect([...expected.keys()].some((u) => data.latestBefore(Date.now() + HOUR_MS).get(u) !== expected.get(u))).toBe(true);
});
