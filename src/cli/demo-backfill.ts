/**
 * The demo's computation of the aggregation views as `backfill` workflows, side by side, watched through their
 * `progress` queries: one live line on a terminal (a bar per view), a line per change otherwise.
 */
import { startBackfill } from '../client/backfill.js';
import { workflowUiUrl } from '../client/connection.js';
import { progressQuery, type BackfillProgress } from '../workflows/shared.js';
import type { DemoTemporal } from './demo-temporal.js';

const BAR = 12;

function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR : Math.round((done / total) * BAR);
  return `${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}`;
}

export async function runDemoBackfills(t: DemoTemporal, views: readonly string[], start: Date, end: Date, chunk: string): Promise<number> {
  const runs = await Promise.all(
    views.map(async (view) => {
      const handle = await startBackfill(t.client, { view, start: start.toISOString(), end: end.toISOString(), chunk, parallelism: 2 }, { project: t.project });
      console.log(`backfill ${view}: ${workflowUiUrl(handle.workflowId, t.worker.namespace, t.dev.uiUrl)}`);
      const result = handle.result();
      result.catch(() => undefined);
      return { view, handle, result, done: false };
    }),
  );
  const tty = process.stdout.isTTY === true;
  let last = '';
  let rows = 0;
  for (;;) {
    await Promise.race([Promise.all(runs.map((r) => r.result)), new Promise((r) => setTimeout(r, 500))]);
    const progress: BackfillProgress[] = await Promise.all(runs.map((r) => r.handle.query(progressQuery)));
    rows = progress.reduce((n, p) => n + p.rowsWritten, 0);
    const line = runs.map((r, i) => `${r.view} [${bar(progress[i]?.chunksDone ?? 0, progress[i]?.chunksTotal ?? 0)}] ${progress[i]?.chunksDone}/${progress[i]?.chunksTotal}`).join('  ');
    const allDone = progress.every((p) => p.chunksTotal > 0 && p.chunksDone === p.chunksTotal);
    if (line !== last) {
      if (tty) process.stdout.write(`\r\x1b[2K${line}  ${rows} rows`);
      else console.log(`${line}  ${rows} rows`);
      last = line;
    }
    if (allDone) break;
  }
  if (tty) process.stdout.write('\n');
  await Promise.all(runs.map((r) => r.result));
  return rows;
}
