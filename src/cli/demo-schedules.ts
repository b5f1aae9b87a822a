/**
 * The demo's materialization, the way a deployment runs it: `schedules apply` creates a Temporal Schedule per view
 * with `schedule.cron` (and a freshness check per view with an SLA), then each materialization Schedule is
 * backfilled over the last hours, exactly as the Temporal UI's Backfill button does, so every past window runs as of
 * its own scheduled time, one after another.
 */
import { applySchedules } from '../client/schedule-apply.js';
import { backfillSchedule, failedWindowRuns, viewSchedule, waitForScheduleRuns, windowRunId } from '../client/schedules.js';
import type { Repo } from '../registry/schema.js';
import type { MaterializeIncrementalResult } from '../workflows/shared.js';
import type { DemoTemporal } from './demo-temporal.js';

export async function runDemoSchedules(t: DemoTemporal, repo: Repo, hours: number): Promise<void> {
  const changes = await applySchedules(t.client, repo, {
    taskQueue: t.worker.taskQueue,
    onChange: (c) => console.log(`  ${c.action.padEnd(9)}  ${c.id}${c.when ? `  (${c.when})` : ''}`),
  });
  const end = new Date();
  const start = new Date(end.getTime() - hours * 3_600_000);
  console.log(`Backfilling each materialization Schedule over the last ${hours} hours (overlap BUFFER_ALL):`);
  const backfills = await Promise.all(
    changes
      .filter((c) => c.kind === 'materialize' && c.action !== 'deleted')
      .map(async (c) => {
        const handle = await viewSchedule(t.client, repo.project, c.view);
        const before = (await handle.describe()).info.numActionsTaken;
        const windows = await backfillSchedule(handle, start, end);
        return { view: c.view, handle, before, windows };
      }),
  );
  for (const b of backfills) {
    await waitForScheduleRuns(b.handle, b.before, b.windows.length);
    const failed = await failedWindowRuns(b.handle, t.client, b.windows);
    if (failed.length > 0) throw new Error(`${failed.length} runs of ${b.view} did not complete, e.g. ${failed[0]?.workflowId} (${failed[0]?.status})`);
    const actionId = (await b.handle.describe()).action.workflowId as string;
    let keys = 0;
    let watermark: string | null = null;
    for (const window of b.windows) {
      const result = (await t.client.workflow.getHandle(windowRunId(actionId, window)).result()) as MaterializeIncrementalResult;
      keys += result.views.reduce((n, v) => n + v.keysWritten, 0);
      watermark = result.views[0]?.watermark ?? watermark;
    }
    const runs = `${b.windows.length} run${b.windows.length === 1 ? '' : 's'}`;
    console.log(`  ${b.view}: ${runs} completed, ${keys} keys written, materialized up to ${watermark ?? '-'}`);
  }
}
