/**
 * `schedules apply` and the other `schedules` commands against a real dev server: Schedules created from the
 * registry, left alone when nothing changed, updated (keeping a person's pause) and deleted when the registry says
 * so, never touching Schedules that are not the project's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchedules, listSchedules, scheduleId, type ScheduleMemo } from '../../../src/client.js';
import { validateRepo } from '../../../src/registry/validate.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { FEATUREFLOW_VIEW } from '../../../src/workflows/contracts/search-attributes.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { waitFor } from '../workflows/helpers/wait.js';

const TASK_QUEUE = 'sched-apply';
let env: TestWorkflowEnvironment;
let dir: string;

function repoInput(project: string, views: Array<Record<string, unknown>>): RepoInput {
  return {
    project,
    entities: [{ name: 'user', joinKeys: ['user_id'] }],
    sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
    featureViews: views.map((v) => ({ entities: ['user'], source: 'events', schema: [{ name: 'amount', dtype: 'float64' }], ...v })) as RepoInput['featureViews'],
  };
}

const VIEWS = [
  { name: 'a', schedule: { cron: '0 * * * *' }, freshness: { maxStaleness: '2h' } },
  { name: 'b', schedule: { cron: '*/15 * * * *', overlap: 'BUFFER_ONE', catchupWindow: '2h', pauseOnFailure: true } },
  { name: 'c', freshness: { maxStaleness: '1d', checkEvery: '1h' } },
  { name: 'd', online: false },
  { name: 'e' },
];

beforeAll(async () => {
  env = await startDevServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-sched-apply-'));
});

afterAll(async () => {
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

describe('applySchedules', () => {
  it('creates one Schedule per scheduled or SLA-bound online view, then leaves them alone', async () => {
    const repo = await validateRepo(repoInput('appl', VIEWS));
    const first = await applySchedules(env.client, repo, { taskQueue: TASK_QUEUE });
    expect(first.map((c) => [c.action, c.id, c.when])).toEqual([
      ['created', 'featureflow:appl:materialize:a', '0 * * * *'],
      ['created', 'featureflow:appl:materialize:b', '*/15 * * * *'],
      ['created', 'featureflow:appl:freshness:a', 'every 5m'],
      ['created', 'featureflow:appl:freshness:c', 'every 1h'],
    ]);
    const again = await applySchedules(env.client, repo, { taskQueue: TASK_QUEUE });
    expect(again.map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);

    const a = await env.client.schedule.getHandle(scheduleId('appl', 'materialize', 'a')).describe();
    expect(a.action).toMatchObject({ workflowType: 'materializeIncremental', taskQueue: TASK_QUEUE, args: [{ views: ['a'] }] });
    expect(a.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 86_400_000, pauseOnFailure: false });
    expect((a.memo as unknown as ScheduleMemo).featureflow).toMatchObject({ project: 'appl', view: 'a', kind: 'materialize' });
    expect(a.typedSearchAttributes.get(FEATUREFLOW_VIEW)).toEqual(['a']);
    // The runs it starts carry the same attributes, so the UI's workflow list filters by view too.
    const runAttributes = JSON.parse(JSON.stringify(a.action.typedSearchAttributes)) as Array<{ key: { name: string }; value: unknown }>;
    expect(Object.fromEntries(runAttributes.map((p) => [p.key.name, p.value]))).toEqual({
      FeatureflowView: ['a'],
      FeatureflowProject: 'appl',
      FeatureflowKind: 'materializeIncremental',
    });
    const b = await env.client.schedule.getHandle(scheduleId('appl', 'materialize', 'b')).describe();
    expect(b.policies).toMatchObject({ overlap: 'BUFFER_ONE', catchupWindow: 7_200_000, pauseOnFailure: true });
    const c = await env.client.schedule.getHandle(scheduleId('appl', 'freshness', 'c')).describe();
    expect(c.action).toMatchObject({ workflowType: 'checkFreshness', args: [{ views: ['c'] }] });
    expect(c.spec.intervals?.map((i) => i.every)).toEqual([3_600_000]);
  });

  it('adds one checkDrift Schedule per view with drift.checkEvery, online or not, and drops it with the setting', async () => {
    const drift = { reference: { start: '2024-01-01', end: '2024-02-01' }, checkEvery: '30m' };
    const views = [...VIEWS, { name: 'f', online: false, drift }, { name: 'g', drift: { reference: drift.reference } }];
    const first = await applySchedules(env.client, await validateRepo(repoInput('drif', views)), { taskQueue: TASK_QUEUE });
    expect(first.filter((c) => c.kind === 'drift').map((c) => [c.action, c.id, c.when])).toEqual([['created', 'featureflow:drif:drift:f', 'every 30m']]);
    // The other kinds' ids are as before.
    expect(first.filter((c) => c.kind !== 'drift').map((c) => c.id)).toEqual([
      'featureflow:drif:materialize:a',
      'featureflow:drif:materialize:b',
      'featureflow:drif:freshness:a',
      'featureflow:drif:freshness:c',
    ]);
    const f = await env.client.schedule.getHandle(scheduleId('drif', 'drift', 'f')).describe();
    expect(f.action).toMatchObject({ workflowType: 'checkDrift', taskQueue: TASK_QUEUE, args: [{ views: ['f'] }] });
    expect(f.spec.intervals?.map((i) => i.every)).toEqual([1_800_000]);
    expect((f.memo as unknown as ScheduleMemo).featureflow).toMatchObject({ project: 'drif', view: 'f', kind: 'drift' });
    const dropped = await applySchedules(env.client, await validateRepo(repoInput('drif', VIEWS)), { taskQueue: TASK_QUEUE });
    expect(dropped.filter((c) => c.kind === 'drift').map((c) => [c.action, c.id])).toEqual([['deleted', 'featureflow:drif:drift:f']]);
  });

  it('updates what changed, keeps a paused Schedule paused, deletes what the registry dropped, and only its own', async () => {
    const repo = await validateRepo(repoInput('upd', VIEWS));
    await applySchedules(env.client, repo, { taskQueue: TASK_QUEUE });
    await env.client.schedule.getHandle(scheduleId('upd', 'materialize', 'a')).pause('paused by a person');
    // Not ours: another project's Schedule and a hand-made one.
    const other = await validateRepo(repoInput('other', [{ name: 'a', schedule: { cron: '0 * * * *' } }]));
    await applySchedules(env.client, other, { taskQueue: TASK_QUEUE });

    const changed = VIEWS.map((v) =>
      v.name === 'a' ? { ...v, schedule: { cron: '30 * * * *', overlap: 'BUFFER_ALL' } } : v.name === 'b' ? { name: 'b' } : v,
    );
    const changes = await applySchedules(env.client, await validateRepo(repoInput('upd', changed)), { taskQueue: TASK_QUEUE });
    expect(changes.map((c) => [c.action, c.id])).toEqual([
      ['updated', 'featureflow:upd:materialize:a'],
      ['unchanged', 'featureflow:upd:freshness:a'],
      ['unchanged', 'featureflow:upd:freshness:c'],
      ['deleted', 'featureflow:upd:materialize:b'],
    ]);
    const a = await env.client.schedule.getHandle(scheduleId('upd', 'materialize', 'a')).describe();
    expect(a.state).toMatchObject({ paused: true, note: 'paused by a person' });
    expect(a.policies.overlap).toBe('BUFFER_ALL');
    expect(a.spec.calendars?.[0]?.minute).toEqual([{ start: 30, end: 30, step: 1 }]);
    // Listing is eventually consistent: wait for it, then it must hold only the other project's own Schedule.
    const others = await waitFor('the other project to be listed', async () => {
      const ids = (await listSchedules(env.client, 'other')).map((s) => s.id);
      return ids.length > 0 ? ids : undefined;
    });
    expect(others).toEqual(['featureflow:other:materialize:a']);
  });
});

describe('featureflow schedules', () => {
  const run = (...args: string[]): Promise<CliRun> => runCli('schedules', ...args);
  let config: string;
  const target = (): string[] => ['--config', config, '--address', env.address, '--task-queue', TASK_QUEUE];

  beforeAll(() => {
    config = path.join(dir, 'featureflow.json');
    writeFileSync(config, JSON.stringify(repoInput('cli', VIEWS.slice(0, 2))));
  });

  it('applies, then says nothing changed, and lists the Schedules as JSON', async () => {
    const applied = await run('apply', ...target());
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('created    featureflow:cli:materialize:a  (0 * * * *)');
    expect(applied.out).toContain('3 Schedules of project cli: 3 created, 0 updated, 0 deleted, 0 unchanged');
    const again = await run('apply', ...target());
    expect(again.out).toContain('0 created, 0 updated, 0 deleted, 3 unchanged');
    type Listed = Array<{ id: string; when: string; paused: boolean; overlap: string }>;
    // Listing is eventually consistent: a Schedule made a moment ago may take a moment to show.
    const schedules = await waitFor('all three Schedules to be listed', async () => {
      const listed = JSON.parse((await run('list', '--json', ...target())).out) as Listed;
      return listed.length === 3 ? listed : undefined;
    });
    expect(schedules.map((s) => [s.id, s.when, s.paused, s.overlap])).toEqual([
      ['featureflow:cli:freshness:a', 'every 5m', false, 'SKIP'],
      ['featureflow:cli:materialize:a', '0 * * * *', false, 'SKIP'],
      ['featureflow:cli:materialize:b', '*/15 * * * *', false, 'BUFFER_ONE'],
    ]);
    expect((await run('list', ...target())).out).toMatch(/^view\s+kind\s+when\s+state/);
  });

  it('pauses with a note, unpauses, triggers and backfills a view by name', async () => {
    const handle = env.client.schedule.getHandle('featureflow:cli:materialize:b');
    expect((await run('pause', 'b', '--note', 'maintenance', ...target())).code).toBe(0);
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
    expect((await run('unpause', 'b', ...target())).code).toBe(0);
    expect((await handle.describe()).state.paused).toBe(false);
    expect((await run('trigger', 'b', ...target())).out).toContain('Triggered featureflow:cli:materialize:b');
    const d = await handle.describe();
    expect(d.info.recentActions.length + d.info.runningActions.length).toBeGreaterThan(0);
    const backfilled = await run('backfill', 'a', '2024-01-01T00:00:00Z', '2024-01-01T03:00:00Z', ...target());
    expect(backfilled.code).toBe(0);
    expect(backfilled.out).toContain('4 windows from 2024-01-01T00:00:00.000Z to 2024-01-01T03:00:00.000Z, overlap BUFFER_ALL');
    const paused = await run('pause', 'a', '--freshness', ...target());
    expect(paused.out).toContain('Paused featureflow:cli:freshness:a');
  });

  it('names what to do when a view has no Schedule, and refuses bad arguments', async () => {
    const missing = await run('trigger', 'nosuch', ...target());
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no materialize Schedule for view "nosuch" (id featureflow:cli:materialize:nosuch)');
    expect(missing.err).toContain('featureflow schedules apply');
    expect((await run(...target())).code).toBe(2);
    expect((await run('backfill', 'a', ...target())).err).toContain('schedules backfill takes VIEW, START and END, got 1 argument');
    expect((await run('backfill', 'a', '2024-01-01', '2024-01-02', '--overlap', 'sometimes', ...target())).err).toContain(
      '--overlap: "sometimes" is not an overlap policy',
    );
  });
});
