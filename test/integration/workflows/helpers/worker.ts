/**
 * An in-process worker for workflow tests: the real workflows bundle (built once per test file), the real activity
 * factory and resource factories of src/worker.ts, with the compute function swappable (a gate, a counter).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, WorkerResources, type ActivityResources, type ComputeFeaturesFn, type StreamIngestFn } from '../../../../src/activities/index.js';
import { lazyComputeDrift } from '../../../../src/drift/engine-loader.js';
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

/**
 * Workflows the worker keeps in memory between workflow tasks. 0 (the default here) makes every workflow task
 * replay the run's whole history first, so nondeterminism shows up in these tests as it happens, not only in the
 * recorded histories. FEATUREFLOW_TEST_MAX_CACHED_WORKFLOWS=N sets another size (e.g. the SDK's default when
 * chasing a cache-only bug).
 */
export function maxCachedWorkflows(): number {
  const text = process.env.FEATUREFLOW_TEST_MAX_CACHED_WORKFLOWS;
  if (text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) throw new Error(`FEATUREFLOW_TEST_MAX_CACHED_WORKFLOWS: expected a whole number >= 0, got "${text}"`);
  return Number(text);
}

export interface TestWorker {
  worker: Worker;
  resources: WorkerResources;
  /** Resolves when the worker has stopped and its resources are closed. */
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  taskQueue: string;
  configPath: string;
  /** The engine's computeFeatures by default; a gate or a counter to watch chunks. */
  compute?: ComputeFeaturesFn;
  /** Wraps what activities get (e.g. to hold them at a gate); the worker still closes the real resources. */
  wrapResources?: (resources: WorkerResources) => ActivityResources;
  /** The stream ingest loop `ingestStream` runs (a fake: the real one needs a broker). */
  streamIngest?: StreamIngestFn;
  /** How long the SDK may hold back heartbeats; the SDK's default (0.8 x the heartbeat timeout) unless given. */
  maxHeartbeatThrottleInterval?: string;
  /** Replaces some of the real activities (each gets the real set to call through). */
  overrideActivities?: (real: Activities) => Partial<Activities>;
}

type Activities = ReturnType<typeof createActivities>;

export async function startTestWorker(env: TestWorkflowEnvironment, options: TestWorkerOptions): Promise<TestWorker> {
  const resources = new WorkerResources(realResourceFactories(options.configPath, { threads: 2, memoryLimit: '512MB' }));
  const real = createActivities({ computeDrift: lazyComputeDrift,
    resources: options.wrapResources ? options.wrapResources(resources) : resources,
    computeFeatures: options.compute ?? computeFeatures,
    heartbeatIntervalMs: 100,
    ...(options.streamIngest ? { streamIngest: options.streamIngest } : {}),
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    maxCachedWorkflows: maxCachedWorkflows(),
    ...(options.maxHeartbeatThrottleInterval ? { maxHeartbeatThrottleInterval: options.maxHeartbeatThrottleInterval } : {}),
    activities: { ...real, ...options.overrideActivities?.(real) },
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
