/**
 * `featureflow schedules apply | list | trigger | pause | unpause | backfill`: the repo's Temporal Schedules (one
 * `materializeIncremental` per view with `schedule.cron`, one `checkFreshness` per view with a `freshness` SLA, one
 * `checkDrift` per view with `drift.checkEvery`).
 */
import type { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { loadValidatedRepo } from '../../registry/load.js';
import { OVERLAP_POLICIES, type Repo } from '../../registry/schema.js';
import { CONFIG_OPTION, parseCommandArgs, temporalTarget, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';
import { formatTable } from '../table.js';
import type { ScheduleKind } from '../../client/schedule-plan.js';

const USAGE = `usage: featureflow schedules apply     [--config F] [temporal options]
       featureflow schedules list      [--config F] [--json] [temporal options]
       featureflow schedules trigger   VIEW [--freshness|--drift] [--overlap P] [--config F] [temporal options]
       featureflow schedules pause     VIEW [--freshness|--drift] [--note TEXT] [--config F] [temporal options]
       featureflow schedules unpause   VIEW [--freshness|--drift] [--note TEXT] [--config F] [temporal options]
       featureflow schedules backfill  VIEW START END [--overlap BUFFER_ALL] [--wait] [--config F] [temporal options]

Temporal Schedules keep the online store fresh by themselves: every online view with \`schedule.cron\` gets a
Schedule that starts \`materializeIncremental\` at each cron time, materializing up to that run's scheduled time; every
online view with \`freshness\` gets one that starts \`checkFreshness\` every \`freshness.checkEvery\` (default 5m);
every view with \`drift.checkEvery\` gets one that starts \`checkDrift\` that often.
A worker must be running (featureflow worker) for the runs to do anything.

  apply      create, update or delete Schedules so the server matches the registry (ids featureflow:<project>:
             <materialize|freshness|drift>:<view>); idempotent; prints what it created, updated, deleted or left
  list       the project's Schedules: when, paused, last and next runs (--json for scripts)
  trigger    run now, as of now, under the Schedule's overlap policy (with SKIP nothing starts while a run is
             running; --overlap ALLOW_ALL starts one anyway: safe, watermarks only move forward)
  pause      stop starting runs (--note says why; shown in the Temporal UI); unpause starts them again
  backfill   run every window of [START, END] the cron would have run, each as of its own scheduled time, one after
             another (--overlap BUFFER_ALL, the default here: with SKIP most windows would be dropped). The Temporal
             UI's Backfill button does the same: pick "Buffer All" in its dialog. --wait follows the runs to the end.

  -c, --config FILE     the repo config (default FEATUREFLOW_CONFIG, else featureflow.config.ts / featureflow.json here)
      --freshness       act on the view's freshness Schedule instead of its materialization Schedule
      --drift           act on the view's drift-check Schedule instead of its materialization Schedule
      --json            list: print JSON
      --overlap P       trigger: override the Schedule's policy; backfill: default BUFFER_ALL (SKIP, BUFFER_ONE,
                        BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER, ALLOW_ALL)
${TEMPORAL_OPTIONS_HELP}
UI links use TEMPORAL_UI_URL (default http://localhost:8233).`;

const OPTIONS = {
  ...CONFIG_OPTION,
  ...TEMPORAL_OPTIONS,
  json: { type: 'boolean' },
  freshness: { type: 'boolean' },
  drift: { type: 'boolean' },
  note: { type: 'string' },
  overlap: { type: 'string' },
  wait: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ARITY: Record<string, number> = { apply: 0, list: 0, trigger: 1, pause: 1, unpause: 1, backfill: 3 };

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (!sub || ARITY[sub] === undefined) {
    throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}: use ${Object.keys(ARITY).join(', ')}\n\n${USAGE}`);
  }
  if (rest.length !== ARITY[sub]) {
    const want = sub === 'backfill' ? 'VIEW, START and END' : ARITY[sub] === 1 ? 'VIEW' : 'no arguments';
    throw new UsageError(`schedules ${sub} takes ${want}, got ${rest.length} argument${rest.length === 1 ? '' : 's'}\n\n${USAGE}`);
  }
  if (values.drift && values.freshness) throw new UsageError(`give --freshness or --drift, not both\n\n${USAGE}`);
  const overlap = values.overlap === undefined ? undefined : parseOverlap(values.overlap);
  const window = sub === 'backfill' ? { start: parseInstant(rest[1] as string, 'START'), end: parseInstant(rest[2] as string, 'END') } : undefined;
  const { repo } = await loadValidatedRepo(values.config);

  const { connectClient } = await import('../../client/connection.js');
  const client = await connectClient(temporalTarget(values));
  try {
    const kind: ScheduleKind = values.drift ? 'drift' : values.freshness ? 'freshness' : 'materialize';
    switch (sub) {
      case 'apply':
        return await apply(client, repo, values['task-queue']);
      case 'list':
        return await list(client, repo, values.json === true);
      case 'backfill':
        return await backfill(client, repo, rest[0] as string, kind, window as { start: Date; end: Date }, overlap ?? 'BUFFER_ALL', values.wait === true);
      default:
        return await single(client, repo, sub as 'trigger' | 'pause' | 'unpause', rest[0] as string, kind, values.note, overlap);
    }
  } finally {
    await client.connection.close();
  }
}

function parseOverlap(text: string): ScheduleOverlapPolicy {
  const upper = text.toUpperCase().replace(/-/g, '_');
  if (!(OVERLAP_POLICIES as readonly string[]).includes(upper)) {
    throw new UsageError(`--overlap: "${text}" is not an overlap policy; use one of ${OVERLAP_POLICIES.join(', ')}`);
  }
  return upper as ScheduleOverlapPolicy;
}

function schedulesUiUrl(namespace: string, id?: string): string {
  const base = (process.env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/schedules${id ? `/${encodeURIComponent(id)}` : ''}`;
}

async function apply(client: Client, repo: Repo, taskQueue: string | undefined): Promise<number> {
  const { applySchedules } = await import('../../client/schedule-apply.js');
  const changes = await applySchedules(client, repo, {
    ...(taskQueue ? { taskQueue } : {}),
    onChange: (c) => console.log(`${c.action.padEnd(9)}  ${c.id}${c.when ? `  (${c.when})` : ''}`),
  });
  const count = (a: string) => changes.filter((c) => c.action === a).length;
  console.log(
    `${changes.length} Schedule${changes.length === 1 ? '' : 's'} of project ${repo.project}: ${count('created')} created, ` +
      `${count('updated')} updated, ${count('deleted')} deleted, ${count('unchanged')} unchanged ` +
      `(namespace ${client.options.namespace})`,
  );
  if (changes.length === 0) console.log('No view has schedule.cron, freshness or drift.checkEvery: nothing to schedule.');
  console.log(`Temporal UI: ${schedulesUiUrl(client.options.namespace)}`);
  return 0;
}

async function list(client: Client, repo: Repo, json: boolean): Promise<number> {
  const { listSchedules } = await import('../../client/schedules.js');
  const schedules = await listSchedules(client, repo.project);
  if (json) {
    console.log(JSON.stringify(schedules, null, 2));
    return 0;
  }
  if (schedules.length === 0) {
    console.log(`No Schedules of project ${repo.project} in namespace ${client.options.namespace}: run \`featureflow schedules apply\`.`);
    return 0;
  }
  const rows = schedules.map((s) => ({
    view: s.view,
    kind: s.kind,
    when: s.when,
    state: s.paused ? `paused${s.note ? ` (${s.note})` : ''}` : s.running > 0 ? 'running' : 'active',
    overlap: s.overlap,
    'last run': s.lastRun?.scheduledAt.replace('.000Z', 'Z') ?? '-',
    'next run': s.nextRuns[0]?.replace('.000Z', 'Z') ?? '-',
    runs: s.actionsTaken,
  }));
  console.log(formatTable(rows, ['view', 'kind', 'when', 'state', 'overlap', 'last run', 'next run', 'runs']));
  return 0;
}

async function single(
  client: Client,
  repo: Repo,
  sub: 'trigger' | 'pause' | 'unpause',
  view: string,
  kind: ScheduleKind,
  note: string | undefined,
  overlap: ScheduleOverlapPolicy | undefined,
): Promise<number> {
  const { triggerSchedule, viewSchedule } = await import('../../client/schedules.js');
  const handle = await viewSchedule(client, repo.project, view, kind);
  if (sub === 'trigger') {
    const policy = await triggerSchedule(handle, overlap);
    if (policy === 'SKIP') console.log('(overlap SKIP: if a run is running now, this trigger is dropped)');
  } else if (sub === 'pause') await handle.pause(note ?? 'paused with featureflow schedules pause');
  else await handle.unpause(note ?? 'unpaused with featureflow schedules unpause');
  const done = { trigger: 'Triggered', pause: 'Paused', unpause: 'Unpaused' }[sub];
  console.log(`${done} ${handle.scheduleId}\nTemporal UI: ${schedulesUiUrl(client.options.namespace, handle.scheduleId)}`);
  return 0;
}

async function backfill(
  client: Client,
  repo: Repo,
  view: string,
  kind: ScheduleKind,
  window: { start: Date; end: Date },
  overlap: ScheduleOverlapPolicy,
  wait: boolean,
): Promise<number> {
  const { backfillSchedule, failedWindowRuns, viewSchedule, waitForScheduleRuns } = await import('../../client/schedules.js');
  const handle = await viewSchedule(client, repo.project, view, kind);
  const before = (await handle.describe()).info.numActionsTaken;
  const windows = await backfillSchedule(handle, window.start, window.end, overlap);
  const span = windows.length === 0 ? '' : ` from ${windows[0]?.toISOString()} to ${windows.at(-1)?.toISOString()}`;
  console.log(
    `Backfilling ${handle.scheduleId}: ${windows.length} window${windows.length === 1 ? '' : 's'}${span}, overlap ${overlap}; ` +
      'each runs as of its own scheduled time, one after another.',
  );
  if (overlap === 'SKIP') console.log('Note: with SKIP, windows due while another runs are dropped; BUFFER_ALL runs them all.');
  console.log(`Temporal UI: ${schedulesUiUrl(client.options.namespace, handle.scheduleId)}`);
  if (!wait || windows.length === 0) return 0;
  const tty = process.stderr.isTTY === true;
  let last = '';
  await waitForScheduleRuns(handle, before, overlap === 'SKIP' ? 1 : windows.length, {
    onProgress: (p) => {
      const line = `${Math.min(p.started, windows.length)}/${windows.length} windows started, ${p.running} running, ${p.buffered} queued`;
      if (line === last) return;
      last = line;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  if (overlap === 'SKIP') return 0;
  const failed = await failedWindowRuns(handle, client, windows);
  if (failed.length === 0) {
    console.log(`Backfill done: all ${windows.length} runs completed.`);
    return 0;
  }
  console.error(`featureflow: ${failed.length} of ${windows.length} runs did not complete:`);
  for (const f of failed) console.error(`  ${f.workflowId}: ${f.status}`);
  return 1;
}
