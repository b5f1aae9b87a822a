/**
 * The API's DuckDB handle for offline pushes: opened on the first push with `to: offline` (a server that only
 * serves never pays for it), small (pushes are small: one thread, a modest memory limit), closed with the server.
 */
import { closeEngine, openEngine, type EngineContext } from '../engine/context.js';
import { FeatureflowError } from '../registry/errors.js';
import type { Repo } from '../registry/schema.js';
import { NotReadyError } from './errors.js';

/** The server was started without its repo folder, so it cannot know where the offline store is. */
export class OfflineStoreNotConfiguredError extends FeatureflowError {
  constructor() {
    super(
      'OFFLINE_STORE_NOT_CONFIGURED',
      'this server cannot write to the offline store (it was started without the repo folder); push with to: "online", or run featureflow serve',
    );
  }
}

export class OfflineEngine {
  private opening: Promise<EngineContext> | undefined;
  private closed = false;

  constructor(
    private readonly repo: Repo,
    private readonly repoDir: string | undefined,
  ) {}

  get(): Promise<EngineContext> {
    if (this.repoDir === undefined) return Promise.reject(new OfflineStoreNotConfiguredError());
    if (this.closed) return Promise.reject(new NotReadyError('the server is shutting down'));
    if (!this.opening) {
      const opening = openEngine(this.repo, this.repoDir, { threads: 1, memoryLimit: '256MB' });
      // A failed open is not kept: the next push tries again.
      opening.catch(() => (this.opening = undefined));
      this.opening = opening;
    }
    return this.opening;
  }

  /** Call once no request uses it any more (after the HTTP server closed). */
  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    try {
      closeEngine(await opening);
    } catch {
      // It never opened: nothing to close.
    }
  }
}
