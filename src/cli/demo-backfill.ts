/** The demo's computation of an aggregation view as a `backfill` workflow, watched through its `progress` query. */
import { startBackfill } from '../client/backfill.js';
import { workflowUiUrl } from '../client/connection.js';
import { progressQuery } from '../workflows/shared.js';
import type { DemoTemporal } from './demo-temporal.js';

export async function runDemoBackfill(t: DemoTemporal, view: string, start: Date, end: Date): Promise<string> {
  const handle = await startBackfill(t.client, { view, start: start.toISOString(), end: end.toISOString(), chunk: '1d', parallelism: 2 });
  const uiLink = workflowUiUrl(handle.workflowId, t.worker.namespace, t.dev.uiUrl);
  console.log(`backfill ${handle.workflowId}\n  ${uiLink}`);
  const result = handle.result();
  result.catch(() => undefined);
  let last = '';
  for (;;) {
    const settled = await Promise.race([result.then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]);
    const progress = await handle.query(progressQuery);
    const line = `  ${progress.chunksDone}/${progress.chunksTotal} chunks, ${progress.rowsWritten} rows written`;
    if (line !== last) console.log(line);
    last = line;
    if (settled) {
      await result;
      return uiLink;
    }
  }
}
