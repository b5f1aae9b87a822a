/**
 * The chunk activity outside any workflow (MockActivityEnvironment gives it an activity context): how errors are
 * classified for Temporal, heartbeats while it works, cancellation between its steps, and the worker's shared
 * resources (opened once, reopened after a failure, closed store first). Fakes stand in for DuckDB and Redis;
 * the real ones are exercised by the workflow tests. Here because the mock environment loads the native worker.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createActivities, WorkerResources, type ComputeFeaturesFn, type ResourceFactories } from '../../../src/activities/index.js';
import { lazyComputeDrift } from '../../../src/drift/engine-loader.js';
import type { HeartbeatDetails } from '../../../src/activities/heartbeat.js';
import type { EngineContext } from '../../../src/engine/context.js';
import { OnlineStoreUnavailableError } from '../../../src/online/errors.js';
import type { OnlineStore } from '../../../src/online/types.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';

const repo = RepoSchema.parse({
  project: 'act',
  entities: [{ name: 'user', joinKeys: ['user_id'] }],
  sources: [{ name: 'events', type: 'file', path: 'events.parquet' }],
  featureViews: [
    { name: 'plain', entities: ['user'], source: 'events', schema: [{ name: 'amount', dtype: 'float64' }] },
    { name: 'agg', entities: ['user'], source: 'events', aggregation: { cadence: '1d', windows: ['1d'], features: [{ name: 'n', function: 'count' }] } },
  ],
});

const chunk = { start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T00:00:00.000Z' };

interface Fakes {
  factories: ResourceFactories;
  log: string[];
  engineOpens: () => number;
  storeOpens: () => number;
}

function fakes(openStore?: () => Promise<OnlineStore>): Fakes {
  const log: string[] = [];
  let engines = 0;
  let stores = 0;
  const factories: ResourceFactories = {
    loadRepo: async () => ({ repo, repoDir: '/nowhere' }),
    openEngine: async (r, repoDir) => {
      engines++;
      return { repo: r, repoDir, db: {} } as EngineContext;
    },
    closeEngine: () => void log.push('close engine'),
    openStore: async () => {
      stores++;
      const store = openStore ? await openStore() : new FakeOnlineStore();
      const close = store.close.bind(store);
      store.close = async () => {
        log.push('close store');
        await close();
      };
      return store;
    },
  };
  return { factories, log, engineOpens: () => engines, storeOpens: () => stores };
}

const writesRows: ComputeFeaturesFn = async () => ({ rowsWritten: 7, files: ['a.parquet'] });

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('computeChunk', () => {
  it('computes a computed view and reports counts, never rows', async () => {
    const { factories } = fakes();
    const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift, resources: new WorkerResources(factories), computeFeatures: writesRows });
    const result = await new MockActivityEnvironment().run(computeChunk, { view: 'agg', ...chunk, materialize: false });
    expect(result).toMatchObject({ view: 'agg', ...chunk, computed: true, rowsWritten: 7, files: 1, materialized: false, keysWritten: 0 });
  });

  it('fails without retry, under its code, for a plain view with nothing to compute or an unknown view', async () => {
    const { factories } = fakes();
    const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift, resources: new WorkerResources(factories), computeFeatures: writesRows });
    const plain = await failureOf(new MockActivityEnvironment().run(computeChunk, { view: 'plain', ...chunk, materialize: false }));
    expect(plain).toMatchObject({ type: 'NOTHING_TO_COMPUTE', nonRetryable: true });
    const unknown = await failureOf(new MockActivityEnvironment().run(computeChunk, { view: 'nope', ...chunk, materialize: false }));
    expect(unknown).toMatchObject({ type: 'NOT_FOUND', nonRetryable: true });
    expect(unknown.message).toContain('unknown feature view "nope"; known views: plain, agg');
  });

  it('rejects a malformed input without retry, naming the field', async () => {
    const { factories } = fakes();
    const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift, resources: new WorkerResources(factories), computeFeatures: writesRows });
    const bad = await failureOf(new MockActivityEnvironment().run(computeChunk, { view: 'agg', start: 'soon', end: chunk.end, materialize: false }));
    expect(bad).toMatchObject({ type: 'INVALID_REQUEST', nonRetryable: true });
    expect(bad.message).toContain('start: must be an ISO-8601 instant');
  });

  it('lets an unreachable online store be retried, and connects again on the next attempt', async () => {
    let attempts = 0;
    const { factories, storeOpens } = fakes(async () => {
      if (++attempts === 1) throw new OnlineStoreUnavailableError('online store unavailable: connection refused');
      return new FakeOnlineStore();
    });
    const resources = new WorkerResources(factories);
    const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift,
      resources,
      computeFeatures: writesRows,
      materialize: async (_deps, views) => views.map((view) => ({
        view, start: chunk.start, end: chunk.end, rowsRead: 3, keysWritten: 2, keysSkippedOlder: 1, keysSkippedExpired: 0, newestEvent: undefined,
      })),
    });
    const down = await failureOf(new MockActivityEnvironment().run(computeChunk, { view: 'plain', ...chunk, materialize: true }));
    expect(down).toMatchObject({ type: 'ONLINE_STORE_UNAVAILABLE', nonRetryable: false });
    const result = await new MockActivityEnvironment().run(computeChunk, { view: 'plain', ...chunk, materialize: true });
    expect(result).toMatchObject({ computed: false, materialized: true, rowsRead: 3, keysWritten: 2, keysSkippedOlder: 1 });
    expect(storeOpens()).toBe(2);
  });

  it('heartbeats with progress details while it computes', async () => {
    const { factories } = fakes();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 1000 });
    const beats: HeartbeatDetails[] = [];
    let enough!: () => void;
    const threeBeats = new Promise<void>((resolve) => (enough = resolve));
    env.on('heartbeat', (d: HeartbeatDetails) => {
      beats.push(d);
      if (beats.filter((b) => b.phase === 'compute').length >= 3) enough();
    });
    const slow: ComputeFeaturesFn = async (...args) => {
      await threeBeats; // keeps computing until three heartbeats went out meanwhile
      return writesRows(...args);
    };
    const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift, resources: new WorkerResources(factories), computeFeatures: slow, heartbeatIntervalMs: 10 });
    await env.run(computeChunk, { view: 'agg', ...chunk, materialize: false });
    expect(beats[0]).toEqual({ phase: 'starting', view: 'agg', ...chunk });
    expect(beats.filter((b) => b.phase === 'compute').length).toBeGreaterThanOrEqual(3);
  });

  it('stops between steps when cancelled: the computed chunk stays whole, materialization never starts', async () => {
    const { factories, storeOpens } = fakes();
    const env = new MockActivityEnvironment();
    const computeThenCancel: ComputeFeaturesFn = async (...args) => {
      const result = await writesRows(...args);
      env.cancel();
      return result;
    };
    const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift, resources: new WorkerResources(factories), computeFeatures: computeThenCancel });
    const err = await env.run(computeChunk, { view: 'agg', ...chunk, materialize: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect((err as Error).message).toContain('cancelled before materializing');
    expect(storeOpens()).toBe(0);
  });
});

describe('WorkerResources', () => {
  it('opens the engine once for concurrent activities and closes the store before the engine', async () => {
    const { factories, log, engineOpens } = fakes();
    const resources = new WorkerResources(factories);
    const [a, b] = await Promise.all([resources.engine(), resources.engine()]);
    expect(a).toBe(b);
    await Promise.all([resources.store(), resources.store()]);
    expect(engineOpens()).toBe(1);
    await resources.close();
    expect(log).toEqual(['close store', 'close engine']);
    expect(() => resources.engine()).toThrow('the worker is shutting down');
  });

  it('does not keep a failed open: the next call tries again', async () => {
    const { factories } = fakes();
    let fail = true;
    const resources = new WorkerResources({
      ...factories,
      loadRepo: async () => {
        if (fail) throw new Error('config not readable yet');
        return factories.loadRepo();
      },
    });
    await expect(resources.engine()).rejects.toThrow('config not readable yet');
    fail = false;
    await expect(resources.engine()).resolves.toMatchObject({ repo: { project: 'act' } });
    await resources.close();
  });
});
