// Proves the test infrastructure itself: the installed dev server starts, a worker bundles TypeScript workflows and
// runs an activity, and Redis is reachable. When this fails, the other integration tests' failures are noise.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../../src/devtools/temporal-binaries.js';
import { createSmokeActivities } from './fixtures/smoke-activities.js';
import { smokeWorkflow } from './fixtures/smoke-workflows.js';
import { startDevServer } from '../helpers/temporal-env.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../helpers/redis.js';

describe('temporal dev server', () => {
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('uses an installed binary, not a download', () => {
    expect(findTemporalCli()).toBeTruthy();
  });

  it('runs a workflow with one activity through a worker', async () => {
    if (!env) throw new Error('dev server did not start');
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/smoke-workflows.ts', import.meta.url)),
      activities: createSmokeActivities({ from: 'activity' }),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId: `smoke-${randomUUID()}`,
        args: [{ name: 'featureflow' }],
      }),
    );
    expect(result).toEqual({
      fromActivity: 'hello featureflow from activity',
      fromWorkflow: 'hello featureflow from workflow',
    });
  });
});

describe('redis', () => {
  const prefix = freshPrefix();
  // No ioredis retries: a missing server should fail this test fast, not hang it.
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });

  beforeAll(async () => {
    await redis.connect();
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('round-trips a value under a fresh prefix and cleans only that prefix', async () => {
    await redis.set(`${prefix}greeting`, 'hello', 'EX', 60);
    await redis.hset(`${prefix}hash`, { a: '1' });
    expect(await redis.get(`${prefix}greeting`)).toBe('hello');

    // A key outside the prefix must survive cleanup.
    const other = freshPrefix();
    await redis.set(`${other}keep`, 'x', 'EX', 60);
    try {
      expect(await cleanupPrefix(redis, prefix)).toBe(2);
      expect(await redis.exists(`${prefix}greeting`, `${prefix}hash`)).toBe(0);
      expect(await redis.get(`${other}keep`)).toBe('x');
    } finally {
      await cleanupPrefix(redis, other);
    }
  });
});
