// Two projects because the two kinds of test need different runners: unit tests are pure and fast in threads;
// integration and replay tests load the Temporal SDK's native runtime, which keeps handles open
// (sdk-typescript issues 928, 614), so they get their own processes, run one file at a time (a dev server per file
// on a 2-core machine), and have long timeouts for server start and workflow bundling.
import { defineConfig } from 'vitest/config';

// Dates in feature data and schedules must not depend on the machine's zone. Setting it here as well as in each
// project's `env` also covers child processes (the pool's forks, a spawned dev server) that inherit this environment.
process.env.TZ = 'UTC';
const env = { TZ: 'UTC' };
// REDIS_URL overrides the online store of every repo (src/online/store-target.ts), and tests point repos at Redis
// servers of their own and at dead ports: no test, nor any process it starts, may inherit it. The shared Redis it
// names is handed on under another name (test/helpers/redis.ts); a test of the override sets REDIS_URL itself.
if (process.env.REDIS_URL) process.env.FEATUREFLOW_TEST_REDIS_URL ??= process.env.REDIS_URL;
delete process.env.REDIS_URL;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          hookTimeout: 120_000,
          testTimeout: 120_000,
          env,
        },
      },
      {
        // The fault suite (test/faults/): kills workers, Redis and the Temporal server, fuzzes the API. Each file
        // starts what it breaks on its own ports, so it never touches the shared Redis or another file's server.
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          hookTimeout: 180_000,
          testTimeout: 600_000,
          env,
        },
      },
    ],
  },
});
