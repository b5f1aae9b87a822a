/**
 * The computeStats activity outside any workflow (MockActivityEnvironment gives it an activity context) on a real
 * engine: it stores one stats file per date of its range and answers counts, and it refuses bad input for good.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, WorkerResources, type ResourceFactories } from '../../../src/activities/index.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { lazyComputeDrift } from '../../../src/drift/engine-loader.js';

let engine: TestEngine;
beforeEach(async () => {
  engine = await testEngine(
    {
      project: 'statsact',
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'events', type: 'table', table: 'events' }],
      featureViews: [{ name: 'plain', entities: ['user'], source: 'events', schema: [{ name: 'amount', dtype: 'float64' }] }],
    },
    { events: `SELECT i % 3 AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(i) AS event_timestamp, i * 1.5 AS amount FROM range(0, 48) t(i)` },
  );
});
afterEach(() => engine.close());

function activities() {
  const factories: ResourceFactories = {
    loadRepo: async () => ({ repo: engine.ctx.repo, repoDir: engine.dir }),
    openEngine: async () => engine.ctx,
    closeEngine: () => {},
    openStore: async () => {
      throw new Error('computeStats needs no online store');
    },
  };
  return createActivities({ computeDrift: lazyComputeDrift, resources: new WorkerResources(factories), computeFeatures: async () => ({ rowsWritten: 0, files: [] }) });
}

describe('computeStats activity', () => {
  it('stores the stats of each date of its range and reports counts', async () => {
    const { computeStats } = activities();
    const result = await new MockActivityEnvironment().run(computeStats, { view: 'plain', start: '2024-01-01T00:00:00Z', end: '2024-01-03T00:00:00Z' });
    expect(result).toMatchObject({ view: 'plain', partitions: 2, rows: 48 });
    expect(readdirSync(path.join(engine.dir, '.featureflow/offline/_stats/plain')).sort()).toEqual(['date=2024-01-01', 'date=2024-01-02']);
  });

  it('fails for good on input it cannot use, naming the field', async () => {
    const { computeStats } = activities();
    const err = await new MockActivityEnvironment().run(computeStats, { view: 'plain', start: 'yesterday', end: '2024-01-03T00:00:00Z' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toMatch(/start: must be an ISO-8601 instant/);
  });
});
