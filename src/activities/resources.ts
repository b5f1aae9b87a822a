/**
 * What activities share within one worker: the repo, one DuckDB engine and one online-store connection, opened on
 * first use and kept until the worker shuts down. Opening DuckDB or Redis per activity would cost more than a small
 * chunk's work. Only worker.ts passes the real factories; tests pass their own.
 */
import type { EngineContext } from '../engine/context.js';
import type { OnlineStore } from '../online/types.js';
import { FeatureflowError } from '../registry/errors.js';
import type { Repo } from '../registry/schema.js';

export interface ResourceFactories {
  loadRepo(): Promise<{ repo: Repo; repoDir: string }>;
  openEngine(repo: Repo, repoDir: string): Promise<EngineContext>;
  closeEngine(ctx: EngineContext): void;
  openStore(repo: Repo): Promise<OnlineStore>;
}

/** The narrow view activities get: they never close anything themselves. */
export interface ActivityResources {
  engine(): Promise<EngineContext>;
  store(): Promise<OnlineStore>;
}

export class WorkerResources implements ActivityResources {
  private enginePromise: Promise<EngineContext> | undefined;
  private storePromise: Promise<OnlineStore> | undefined;
  private closed = false;

  constructor(private readonly factories: ResourceFactories) {}

  engine(): Promise<EngineContext> {
    this.assertOpen();
    this.enginePromise ??= this.forgetOnFailure(
      (async () => {
        const { repo, repoDir } = await this.factories.loadRepo();
        return this.factories.openEngine(repo, repoDir);
      })(),
      () => (this.enginePromise = undefined),
    );
    return this.enginePromise;
  }

  /** Connected lazily: only materializing chunks need Redis, and a worker should start while Redis is down. */
  async store(): Promise<OnlineStore> {
    const { repo } = await this.engine();
    this.assertOpen();
    this.storePromise ??= this.forgetOnFailure(this.factories.openStore(repo), () => (this.storePromise = undefined));
    return this.storePromise;
  }

  /** After the worker stopped (no activity runs any more): close the store, then DuckDB. */
  async close(): Promise<void> {
    this.closed = true;
    const [store, engine] = await Promise.all([settledValue(this.storePromise), settledValue(this.enginePromise)]);
    this.storePromise = undefined;
    this.enginePromise = undefined;
    try {
      await store?.close();
    } finally {
      if (engine) this.factories.closeEngine(engine);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new FeatureflowError('WORKER_CLOSED', 'the worker is shutting down: its engine and store are closed');
  }

  /** A failed open (Redis down, bad repo) is not cached: the next activity attempt tries again. */
  private forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
    promise.catch(() => forget());
    return promise;
  }
}

async function settledValue<T>(promise: Promise<T> | undefined): Promise<T | undefined> {
  try {
    return await promise;
  } catch {
    return undefined;
  }
}
