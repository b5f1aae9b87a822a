/**
 * A Featureflow worker as its own OS process, so the fault tests can SIGKILL it for real: run as
 * `node --import tsx wf-worker.ts`. The activities are the real ones (real resource factories, the engine's
 * computeFeatures), as `featureflow worker` builds them; the workflows come from a prebuilt bundle file so a
 * restart takes a second or two instead of re-bundling. Prints `ready` once it polls.
 *
 * Env: TEMPORAL_ADDRESS, TASK_QUEUE, FEATUREFLOW_CONFIG, WORKER_IDENTITY, WORKFLOW_BUNDLE; optional CHUNK_DELAY_MS
 * (each chunk waits half of it before computing and half after writing, standing in for a bigger chunk so a kill
 * lands before a chunk wrote anything, while it writes, or after it wrote but before the server heard of it) and
 * MAX_ACTIVITIES (concurrent activity executions, default 8 like `featureflow worker`).
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, WorkerResources } from '../../../src/activities/index.js';
import { lazyComputeDrift } from '../../../src/drift/engine-loader.js';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { realResourceFactories } from '../../../src/worker.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`wf-worker: ${name} is not set`);
  return value;
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const delayMs = Number(process.env.CHUNK_DELAY_MS ?? '0');
const pause = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

const resources = new WorkerResources(realResourceFactories(env('FEATUREFLOW_CONFIG'), { threads: 1, memoryLimit: '256MB' }));
// Opened before `ready`, as `featureflow worker` does, so start-up cost is not counted against the first chunk.
await resources.engine();
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: env('TASK_QUEUE'),
  identity: env('WORKER_IDENTITY'),
  workflowBundle: { codePath: env('WORKFLOW_BUNDLE') },
  // A dead worker's sticky queue would hold the workflow for the default 5 s before its task moves on.
  stickyQueueScheduleToStartTimeout: '1s',
  maxConcurrentActivityTaskExecutions: Number(process.env.MAX_ACTIVITIES ?? '8'),
  activities: createActivities({ computeDrift: lazyComputeDrift,
    resources,
    computeFeatures: async (ctx, view, start, end, options) => {
      await pause(delayMs / 2);
      const written = await computeFeatures(ctx, view, start, end, options);
      await pause(delayMs / 2);
      return written;
    },
  }),
});
console.log('ready');
try {
  await worker.run();
} finally {
  await resources.close();
  await connection.close();
}
