/**
 * The demo's Temporal side: a dev server (reused if one listens on :7233, else the project's own `temporal server
 * start-dev` with its Web UI), one worker in this process for every workflow the demo runs, and a client.
 */
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient } from '../client/connection.js';
import { ensureDevServer, type DevServer } from '../devtools/dev-server.js';
import { createFeatureflowWorker, type FeatureflowWorker } from '../worker.js';

export interface DemoTemporal {
  dev: DevServer;
  worker: FeatureflowWorker;
  client: Client;
  /** Stops the worker, closes the client, and stops the dev server if the demo started it. */
  stop(): Promise<void>;
}

export async function startDemoTemporal(configPath: string): Promise<DemoTemporal> {
  // The SDK logs every worker state change at INFO; the demo prints its own progress.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by the embedding process
  }
  const dev = await ensureDevServer();
  console.log(`Temporal dev server at ${dev.address} (${dev.started ? 'started for the demo' : 'already running'}), UI ${dev.uiUrl}`);
  const worker = await createFeatureflowWorker({ configPath, address: dev.address, maxConcurrentActivities: 2 });
  const running = worker.run();
  const client = await connectClient({ address: dev.address });
  console.log(`worker polling task queue "${worker.taskQueue}" (namespace ${worker.namespace})`);
  let stopped: Promise<void> | undefined;
  return {
    dev,
    worker,
    client,
    stop() {
      stopped ??= (async () => {
        await client.connection.close();
        if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
        await running;
        await dev.stop();
      })();
      return stopped;
    },
  };
}
