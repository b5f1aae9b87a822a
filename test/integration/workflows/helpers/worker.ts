/**
 * An in-process worker for workflow tests: the real workflows bundle (built once per test file), the real activity
 * factory and resource factories of src/worker.ts, with the compute function swappable (a gate, a counter).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, WorkerResources, type ComputeFeaturesFn } from '../../../../src/activities/index.js';
import { computeFeatures } from '../../../../src/engine/compute/index.js';
import { realResourceFactories, WORKFLOWS_PATH } from '../../../../src/worker.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling takes seconds; every worker of a test file shares one bundle of the same code. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface TestWorker {
  worker: Worker;
  resources: WorkerResources;
  /** Resolves when the worker has stopped and its resources are closed. */
  stop(): Promise<void>;
}

export async function startTestWorker(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; configPath: string; compute?: ComputeFeaturesFn },
): Promise<TestWorker> {
  const resources = new WorkerResources(realResourceFactories(options.configPath, { threads: 2, memoryLimit: '512MB' }));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      resources,
      computeFeatures: options.compute ?? computeFeatures,
      heartbeatIntervalMs: 100,
    }),
  });
  const running = worker.run();
  return {
    worker,
    resources,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      try {
        await running;
      } finally {
        await resources.close();
      }
    },
  };
}
