/**
 * `featureflow serve`, once its options are checked: the online feature server. With `--workers N` a node:cluster
 * primary forks N server processes sharing the port (one Node process uses one core), forwards SIGTERM/SIGINT to
 * them and exits when they have finished their in-flight requests.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from '../api/server.js';
import { relayClusterMetrics, type WorkerChannel } from '../api/cluster-metrics.js';
import type { ServerLimits } from '../api/context.js';
import type { ServedLogTarget } from '../api/served-log.js';
import type { WorkflowStarter } from '../api/workflow-starter.js';
import type { TemporalTarget } from '../client/temporal-target.js';
import { connectRepoStore, describeOnlineStoreTarget, resolveOnlineStoreTarget } from '../online/store-target.js';
import type { OnlineStore } from '../online/types.js';
import { viewFeatures } from '../registry/features.js';
import { loadValidatedRepo } from '../registry/load.js';
import type { Repo } from '../registry/schema.js';
import { HARD_EXIT_MS, SHUTDOWN_MS } from './serve-limits.js';
import { openSecurity, type SecurityOptions } from './serve-security.js';

export interface ServeOptions {
  config: string | undefined;
  port: number;
  host: string;
  workers: number;
  limits: Partial<ServerLimits>;
  temporal: TemporalTarget & { taskQueue?: string | undefined };
  security: SecurityOptions;
  logServed: ServedLogTarget[];
}

export async function runServer(options: ServeOptions): Promise<number> {
  const { repo, repoDir } = await loadValidatedRepo(options.config);
  const security = openSecurity(options.security, options.host);
  // Lazy: the server starts (answering 503, /ready failing) while Redis is down, and recovers when it returns.
  const store = await connectRepoStore(repo.onlineStore, { lazy: true });
  const workflows = lazyWorkflows(repo.project, options.temporal);
  const api = createServer({
    repo,
    store,
    workflows,
    repoDir,
    auth: security.auth,
    tls: security.tls,
    limits: { shutdownTimeoutMs: SHUTDOWN_MS, ...options.limits },
    logServed: { targets: options.logServed },
    // A worker's /metrics answers for all workers: the primary relays (relayClusterMetrics below).
    clusterChannel: cluster.isWorker ? (process as WorkerChannel) : undefined,
  });
  let address;
  try {
    address = await api.listen(options.port, options.host);
  } catch (err) {
    security.close();
    await store.close();
    throw err;
  }
  if (cluster.isPrimary) printBanner(repo, address.url, 1);
  void warnIfUnreachable(store);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      if (cluster.isPrimary) console.log(`featureflow serve: ${signal}: finishing in-flight requests`);
      const forced = setTimeout(() => {
        console.error('featureflow serve: shutdown took too long, exiting anyway');
        process.exit(1);
      }, HARD_EXIT_MS);
      void (async () => {
        let code = 0;
        try {
          await api.close();
        } catch (err) {
          console.error('featureflow serve: closing the server failed:', err);
          code = 1;
        }
        try {
          await store.close();
        } catch (err) {
          console.error('featureflow serve: closing the online store failed:', err);
        }
        security.close();
        await workflows.close().catch((err: unknown) => console.error('featureflow serve: closing the Temporal connection failed:', err));
        clearTimeout(forced);
        // A worker's IPC channel to the primary would keep it alive after everything else closed.
        if (cluster.isWorker) process.disconnect();
        resolve(code);
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** The Temporal client is loaded and connected on the first /materialize request: most servers only serve reads. */
function lazyWorkflows(project: string, temporal: ServeOptions['temporal']): WorkflowStarter {
  let real: Promise<WorkflowStarter> | undefined;
  const get = (): Promise<WorkflowStarter> =>
    (real ??= import('../client/api-workflows.js').then((m) => m.createApiWorkflows({ project, ...temporal })));
  return {
    materialize: async (input) => (await get()).materialize(input),
    materializeIncremental: async (input) => (await get()).materializeIncremental(input),
    outcome: async (started, waitMs) => (await get()).outcome(started, waitMs),
    close: async () => (real ? (await real).close() : undefined),
  };
}

/** The first connection is still being made right after start, so one failed ping proves nothing: try for ~3 s. */
async function warnIfUnreachable(store: OnlineStore): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 15; attempt++) {
    try {
      await store.ping();
      return;
    } catch (err) {
      last = err;
      await new Promise((resolve) => setTimeout(resolve, 200).unref());
    }
  }
  console.error(`featureflow serve: ${(last as Error).message}; /ready answers 503 until Redis is reachable`);
}

export async function runPrimary(options: ServeOptions): Promise<number> {
  // Load once here so a bad repo fails with one message instead of N crashing workers.
  const { repo } = await loadValidatedRepo(options.config);
  resolveOnlineStoreTarget(repo.onlineStore); // a bad REDIS_URL, too
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return new Promise<number>((resolve) => {
    let stopping = false;
    let exitCode = 0;
    let listening = 0;
    const everListened = new WeakSet<Worker>();
    const fork = (): void => void cluster.fork();

    let bannerShown = false;
    cluster.on('listening', (worker, address) => {
      everListened.add(worker);
      listening++;
      if (listening === options.workers && !bannerShown) {
        bannerShown = true;
        printBanner(repo, `${options.security.tlsCert ? 'https' : 'http'}://${host}:${address.port}`, options.workers);
      }
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(exitCode);
        return;
      }
      // A worker that never listened hit a start-up error (port taken, Redis URL invalid): respawning would loop.
      if (!everListened.has(worker)) {
        console.error(`featureflow serve: a worker failed to start (exit ${code ?? signal}); stopping`);
        exitCode = 1;
        stopAll('worker start failure');
        return;
      }
      console.error(`featureflow serve: worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another`);
      listening--;
      fork();
    });

    const stopAll = (why: string): void => {
      if (stopping) return;
      stopping = true;
      console.log(`featureflow serve: ${why}: finishing in-flight requests`);
      const workers = Object.values(cluster.workers ?? {});
      if (workers.length === 0) resolve(exitCode);
      for (const worker of workers) worker?.process.kill('SIGTERM');
      const forced = setTimeout(() => {
        console.error('featureflow serve: workers took too long to stop, exiting anyway');
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
        process.exit(1);
      }, HARD_EXIT_MS);
      forced.unref();
    };
    process.once('SIGTERM', () => stopAll('SIGTERM'));
    process.once('SIGINT', () => stopAll('SIGINT'));
    // Each worker re-reads its token file on SIGHUP (and polls it anyway).
    process.on('SIGHUP', () => Object.values(cluster.workers ?? {}).forEach((w) => w?.process.kill('SIGHUP')));
    relayClusterMetrics({ workers: () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined), on: (event, listener) => cluster.on(event, listener) });
    for (let i = 0; i < options.workers; i++) fork();
  });
}

function printBanner(repo: Repo, url: string, workers: number): void {
  console.log(`featureflow serve: project "${repo.project}" on ${url} (${workers} process${workers === 1 ? '' : 'es'})`);
  console.log(`featureflow serve: online store ${describeOnlineStoreTarget(resolveOnlineStoreTarget(repo.onlineStore))}`);
  const example = exampleRequest(repo);
  if (example) {
    console.log(`try: curl -s -X POST ${url}/get-online-features -H 'Content-Type: application/json' \\\n       -d '${example}'`);
  }
}

/** A request for the first online view's first feature, with a placeholder key value of the key's type. */
function exampleRequest(repo: Repo): string | undefined {
  const view = repo.featureViews.find((v) => v.online && viewFeatures(v).length > 0);
  if (!view) return undefined;
  const feature = viewFeatures(view)[0]?.name;
  const entities: Record<string, unknown[]> = {};
  for (const name of view.entities) {
    const entity = repo.entities.find((e) => e.name === name);
    const sample = entity?.valueType === 'string' ? 'a' : 1;
    for (const key of entity?.joinKeys ?? []) entities[key] = [sample];
  }
  return JSON.stringify({ features: [`${view.name}:${feature}`], entities });
}
