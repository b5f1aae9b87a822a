/**
 * A worker of your own that runs Featureflow's workflows and activities beside yours, on Featureflow's task queue
 * (where its Schedules, CLI and API start runs). Run it with `node --import tsx worker.ts`; it reads
 * FEATUREFLOW_CONFIG, FEATUREFLOW_TASK_QUEUE, TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE like `featureflow worker`.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createFeatureflowActivities } from 'featureflow/worker';
import * as ownActivities from './activities.js';

const taskQueue = process.env.FEATUREFLOW_TASK_QUEUE || 'featureflow';
const address = process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233';

const featureflow = createFeatureflowActivities({ configPath: process.env.FEATUREFLOW_CONFIG });
// Loads the repo and opens DuckDB: a broken config stops the worker here, not at its first chunk.
await featureflow.open();
const connection = await NativeConnection.connect({ address });
try {
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: { ...featureflow.activities, ...ownActivities },
  });
  console.log(`custom worker: polling task queue "${taskQueue}" on ${address}`);
  // SIGINT and SIGTERM make the SDK stop polling and let running activities finish; run() then returns.
  await worker.run();
} finally {
  await connection.close();
  await featureflow.close();
}
