/**
 * The Featureflow Temporal worker: the only place real activity dependencies are built (the repo from its config,
 * one DuckDB engine, one online-store connection, the engine's computeFeatures, its computeDrift loaded on first
 * use, and stream ingestion (src/stream/run.ts: each run connects its own Redis client and its view's broker).
 * Workflows are bundled from WORKFLOWS_PATH at start-up. SIGTERM/SIGINT stop polling, let running activities
 * finish (up to the grace time), then close the store and the engine.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, WorkerResources, type ResourceFactories } from './activities/index.js';
import { connectFailure, resolveTemporalTarget, type TemporalTarget } from './client/temporal-target.js';
import { lazyComputeDrift } from './drift/engine-loader.js';
import { computeFeatures } from './engine/compute/index.js';
import { closeEngine, openEngine, type DatabaseOptions } from './engine/index.js';
import { connectRepoStore, resolveOnlineStoreTarget, type OnlineStoreTarget } from './online/store-target.js';
import { loadValidatedRepo } from './registry/load.js';
import { createStreamIngest } from './stream/run.js';
import { TASK_QUEUE } from './workflows/shared.js';
import { hostFacts, resolveWorkerSizing, type HostFacts, type WorkerSizing, type WorkerTuning } from './worker-sizing.js';

export type { HostFacts, WorkerSizing, WorkerTuning } from './worker-sizing.js';

// This module's own extension (a loader may add a query to the URL): .ts from the sources, .js once built.
const OWN_EXTENSION = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';

/** Entry of the workflow bundle (workflows/index beside this module); the replay tests bundle the same file. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`./workflows/index${OWN_EXTENSION}`, import.meta.url));

/**
 * Tuning (worker-sizing.ts) left out here falls back to FEATUREFLOW_WORKER_* and then to defaults from the host;
 * `engine.threads` and `engine.memoryLimit`, if given, size the whole shared DuckDB instead of per activity.
 */
export interface FeatureflowWorkerOptions extends TemporalTarget, WorkerTuning {
  /** Repo config; default FEATUREFLOW_CONFIG, else featureflow.config.ts / featureflow.json in the current folder. */
  configPath?: string;
  taskQueue?: string;
  engine?: DatabaseOptions;
  /** How long running chunks may take to finish after a shutdown signal before they are cancelled; default 30 s. */
  shutdownGraceTime?: string | number;
}

/** The real dependencies: repo from its config, DuckDB with the given options, Redis from the repo's onlineStore. */
export function realResourceFactories(configPath: string | undefined, engine: DatabaseOptions = {}): ResourceFactories {
  return {
    loadRepo: () => loadValidatedRepo(configPath),
    openEngine: (repo, repoDir) => openEngine(repo, repoDir, engine),
    closeEngine,
    openStore: (repo) => connectRepoStore(repo.onlineStore),
  };
}

/**
 * The longest the SDK holds back an activity's heartbeats (its default: 0.8 x the heartbeat timeout, 24 s for the
 * stream runs' 30 s). Cancellation reaches a running activity only in a heartbeat's response, and `stream status`
 * shows the last details the server got, so `stream stop` and status follow within seconds at this. A worker of
 * your own hosting Featureflow's activities should pass it too (Worker.create's maxHeartbeatThrottleInterval).
 */
export const MAX_HEARTBEAT_THROTTLE_INTERVAL = '5s';

/** Featureflow's activities, for a worker of your own that registers them beside yours. */
export interface FeatureflowActivities {
  activities: ReturnType<typeof createActivities>;
  /** Opens the repo's DuckDB engine now, so a broken config stops your worker at start rather than failing chunks. */
  open(): Promise<void>;
  /** After your worker stopped: closes the online store and the engine. */
  close(): Promise<void>;
}

export function createFeatureflowActivities(options: Pick<FeatureflowWorkerOptions, 'configPath' | 'engine'> = {}): FeatureflowActivities {
  const resources = new WorkerResources(realResourceFactories(options.configPath, options.engine));
  return {
    activities: createActivities({ resources, computeFeatures, computeDrift: lazyComputeDrift, streamIngest: createStreamIngest() }),
    open: async () => void (await resources.engine()),
    close: () => resources.close(),
  };
}

export interface FeatureflowWorker {
  worker: Worker;
  taskQueue: string;
  address: string;
  namespace: string;
  host: HostFacts;
  sizing: WorkerSizing;
  /** The Redis activities write to (REDIS_URL or the repo's), checked at start. */
  onlineStore: OnlineStoreTarget;
  /** Polls until shutdown() (or a signal), then closes connection, store and engine. */
  run(): Promise<void>;
}

export async function createFeatureflowWorker(options: FeatureflowWorkerOptions = {}): Promise<FeatureflowWorker> {
  const host = hostFacts();
  const sizing = resolveWorkerSizing(options, { threads: options.engine?.threads, memoryLimit: options.engine?.memoryLimit }, host);
  const engine: DatabaseOptions = { ...options.engine, ...sizing.engine };
  const resources = new WorkerResources(realResourceFactories(options.configPath, engine));
  const target = resolveTemporalTarget(options);
  const { address, namespace } = target;
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  let connection: NativeConnection | undefined;
  try {
    // Load the repo and open DuckDB now: a broken config should stop the worker at start, not fail every chunk.
    const { repo } = await resources.engine();
    const onlineStore = resolveOnlineStoreTarget(repo.onlineStore);
    connection = await NativeConnection.connect(target.connection).catch((err: unknown) => {
      throw connectFailure(target, err);
    });
    const worker = await Worker.create({
      connection,
      namespace,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({ resources, computeFeatures, computeDrift: lazyComputeDrift, streamIngest: createStreamIngest() }),
      maxConcurrentActivityTaskExecutions: sizing.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: sizing.maxConcurrentWorkflowTasks,
      maxCachedWorkflows: sizing.maxCachedWorkflows,
      stickyQueueScheduleToStartTimeout: sizing.stickyQueueTimeoutMs,
      shutdownGraceTime: options.shutdownGraceTime ?? '30s',
      maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE_INTERVAL,
    });
    const open = connection;
    return {
      worker,
      taskQueue,
      address,
      namespace,
      host,
      sizing,
      onlineStore,
      async run() {
        try {
          await worker.run();
        } finally {
          await open.close().catch(() => undefined);
          await resources.close();
        }
      },
    };
  } catch (err) {
    await connection?.close().catch(() => undefined);
    await resources.close();
    throw err;
  }
}

/** Runs until SIGTERM or SIGINT: stop polling, finish or cancel running chunks, close everything. */
export async function runWorker(options: FeatureflowWorkerOptions = {}, onReady?: (w: FeatureflowWorker) => void): Promise<void> {
  const ff = await createFeatureflowWorker(options);
  // The SDK's runtime also shuts workers down on these signals; whichever handler runs second finds it stopping.
  const stop = (): void => {
    if (ff.worker.getState() === 'RUNNING') ff.worker.shutdown();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    onReady?.(ff);
    await ff.run();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
