/**
 * The demo's computation as a Temporal workflow: a dev server (reused if one listens on :7233, else the project's
 * own `temporal server start-dev` with its Web UI), a worker in this process, and a backfill of the aggregation
 * view, watched through its `progress` query.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, startBackfill, workflowUiUrl } from '../client.js';
import { ensureDevServer, type DevServer } from '../devtools/dev-server.js';
import { createFeatureflowWorker } from '../worker.js';
import { progressQuery, type BackfillProgress } from '../workflows/shared.js';

export interface DemoBackfill {
  dev: DevServer;
  workflowId: string;
  uiLink: string;
  progress: BackfillProgress;
}

export async function runDemoBackfill(configPath: string, view: string, start: Date, end: Date): Promise<DemoBackfill> {
  // The SDK logs every worker state change at INFO; the demo prints its own progress.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by the embedding process
  }
  const dev = await ensureDevServer();
  console.log(`Temporal dev server at ${dev.address} (${dev.started ? 'started for the demo' : 'already running'}), UI ${dev.uiUrl}`);
  const ff = await createFeatureflowWorker({ configPath, address: dev.address, maxConcurrentActivities: 2 });
  const running = ff.run();
  try {
    const client = await connectClient({ address: dev.address });
    try {
      const handle = await startBackfill(client, {
        view,
        start: start.toISOString(),
        end: end.toISOString(),
        chunk: '1d',
        parallelism: 2,
      });
      const uiLink = workflowUiUrl(handle.workflowId, ff.namespace, dev.uiUrl);
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
          return { dev, workflowId: handle.workflowId, uiLink, progress };
        }
      }
    } finally {
      await client.connection.close();
    }
  } finally {
    ff.worker.shutdown();
    await running;
  }
}
