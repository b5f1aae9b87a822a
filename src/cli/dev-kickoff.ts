/**
 * `featureflow dev`'s Schedules: applies them (as `schedules apply` does), then fills the online store now rather
 * than at the next cron tick: each scheduled computed view is computed and materialized over the last days by a
 * `backfill` workflow (a computed view must be computed before a Schedule can materialize it), and each scheduled
 * plain view's Schedule is triggered once.
 */
import type { Client } from '@temporalio/client';
import { startBackfill } from '../client/backfill.js';
import { WorkflowAlreadyRunningError, workflowUiUrl } from '../client/connection.js';
import { applySchedules } from '../client/schedule-apply.js';
import { triggerSchedule, viewSchedule } from '../client/schedules.js';
import type { Repo } from '../registry/schema.js';

export interface KickoffOptions {
  taskQueue: string;
  uiUrl: string;
  /** Days (whole UTC days, up to the end of today) each computed view is backfilled over; 0: none. */
  backfillDays: number;
}

export async function applyAndKickOff(client: Client, repo: Repo, options: KickoffOptions): Promise<void> {
  const namespace = client.options.namespace;
  const changes = await applySchedules(client, repo, {
    taskQueue: options.taskQueue,
    onChange: (c) => console.log(`  ${c.action.padEnd(9)}  ${c.id}${c.when ? `  (${c.when})` : ''}`),
  });
  if (changes.length === 0) console.log('  no view has schedule.cron or freshness: nothing to schedule');
  const scheduled = repo.featureViews.filter((v) => v.online && v.schedule);
  const dayMs = 86_400_000;
  const end = Math.floor(Date.now() / dayMs) * dayMs + dayMs;
  for (const view of scheduled) {
    if (view.aggregation || view.transform) {
      if (options.backfillDays === 0) continue;
      const input = { view: view.name, start: new Date(end - (options.backfillDays + 1) * dayMs).toISOString(), end: new Date(end).toISOString(), chunk: '1d', materialize: true };
      try {
        const handle = await startBackfill(client, input, { taskQueue: options.taskQueue, project: repo.project });
        console.log(`  backfill  ${view.name} over [${input.start}, ${input.end}), materialized: ${workflowUiUrl(handle.workflowId, namespace, options.uiUrl)}`);
      } catch (err) {
        if (!(err instanceof WorkflowAlreadyRunningError)) throw err;
        console.log(`  backfill  ${view.name}: already running`);
      }
    } else {
      await triggerSchedule(await viewSchedule(client, repo.project, view.name));
      console.log(`  triggered ${view.name}: its Schedule runs once now`);
    }
  }
}
