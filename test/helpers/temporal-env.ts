// One way to start a real Temporal dev server in tests, so every integration test uses the binary that
// scripts/setup.mjs installed (the SDK's own download cannot work here) with the same settings.
import { TestWorkflowEnvironment, type DevServerConfig } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { devServerExecutable } from '../../src/devtools/temporal-binaries.js';
import { FEATUREFLOW_SEARCH_ATTRIBUTES } from '../../src/workflows/contracts/search-attributes.js';

/** Extra dev-server settings, e.g. `extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']`. */
export type DevServerOptions = Omit<DevServerConfig, 'type' | 'executable'>;

/**
 * The SDK logs every worker state change at INFO, which buries test output. Install the process-wide runtime
 * with a WARN logger (TEMPORAL_TEST_LOG_LEVEL=DEBUG|INFO|... to see more) unless a test already installed one:
 * the runtime can be installed only once per process.
 */
function quietSdkLogs(): void {
  if (Runtime._instance) return;
  const level = (process.env.TEMPORAL_TEST_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
}

/**
 * Starts a dev server (`temporal server start-dev`, in memory, random free port) and returns the environment;
 * call `env.teardown()` in afterAll. Featureflow's search attributes are registered, as `featureflow temporal setup`
 * would; `searchAttributes: []` starts a namespace without them. Bound to 127.0.0.1 because "localhost" may resolve to ::1 first while the
 * server listens on IPv4 only.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  quietSdkLogs();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'warn' },
      searchAttributes: [...FEATUREFLOW_SEARCH_ATTRIBUTES],
      ...opts,
    },
  });
}
