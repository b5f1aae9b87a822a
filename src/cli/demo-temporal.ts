/**
 * The demo's Temporal side: a Temporal server (one of your own when `server` is given, e.g. from TEMPORAL_ADDRESS;
 * else a dev server, reused if one listens on :7233, else the project's own `temporal server start-dev` with its Web
 * UI), one worker in this process for every workflow the demo runs, and a client.
 */
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, DEFAULT_UI_URL } from '../client/connection.js';
import { setupSearchAttributes } from '../client/search-attributes.js';
import { resolveTemporalTarget, temporalNamespace, type TemporalTarget } from '../client/temporal-target.js';
import { ensureDevServer, type DevServer, type DevServerOptions } from '../devtools/dev-server.js';
import { createFeatureflowWorker, type FeatureflowWorker } from '../worker.js';

export interface DemoTemporal {
  dev: DevServer;
  worker: FeatureflowWorker;
  client: Client;
  /** Labels the runs the demo starts (FeatureflowProject). */
  project: string | undefined;
  /** Stops the worker, closes the client, and stops the dev server if the demo started it. */
  stop(): Promise<void>;
}

/** `dev` passes its ports and a namespace; the demo takes the defaults (:7233, UI :8233, `default`). */
export interface DemoTemporalOptions extends DevServerOptions {
  /** A server of your own, with TEMPORAL_* variables applied (API key, TLS); no dev server is started. */
  server?: TemporalTarget;
  namespace?: string;
  taskQueue?: string;
  who?: string;
  project?: string;
}

export async function startDemoTemporal(configPath: string, options: DemoTemporalOptions = {}): Promise<DemoTemporal> {
  // The SDK logs every worker state change at INFO; the demo prints its own progress.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by the embedding process
  }
  const { server, namespace, taskQueue, who = 'the demo', project, ...serverOptions } = options;
  let dev: DevServer;
  let target: TemporalTarget;
  if (server) {
    const resolved = resolveTemporalTarget(server);
    const uiUrl = process.env.TEMPORAL_UI_URL || DEFAULT_UI_URL;
    dev = { address: resolved.address, uiUrl, started: false, stop: async () => undefined };
    target = server;
    console.log(`Temporal server at ${resolved.address} (${resolved.security}; namespace ${resolved.namespace}), UI ${uiUrl}`);
  } else {
    dev = await ensureDevServer(serverOptions);
    console.log(`Temporal dev server at ${dev.address} (${dev.started ? `started for ${who}` : 'already running'}), UI ${dev.uiUrl}`);
    // A local dev server speaks plaintext: an API key or certificates in the shell are for another server.
    target = { address: dev.address, namespace: namespace ?? temporalNamespace(), environment: false };
  }
  let worker: FeatureflowWorker;
  try {
    worker = await createFeatureflowWorker({ configPath, ...target, ...(taskQueue ? { taskQueue } : {}), maxConcurrentActivities: 2 });
  } catch (err) {
    await dev.stop();
    throw err;
  }
  const running = worker.run();
  const client = await connectClient(target);
  // A dev server started here has them from its flags; one found running may not, and the UI filters need them.
  try {
    await setupSearchAttributes(client);
  } catch (err) {
    console.warn(`featureflow: runs are not labelled for the UI's filters: ${(err as Error).message}`);
  }
  console.log(`worker polling task queue "${worker.taskQueue}" (namespace ${worker.namespace})`);
  let stopped: Promise<void> | undefined;
  return {
    dev,
    worker,
    client,
    project,
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
