// Locates the Temporal CLI (dev server) and the time-skipping test server that scripts/setup.mjs installs from PyPI.
// The SDK would otherwise download them itself, which cannot work on our machines (no internet but the package
// registries), so tests, the demo and CI look here first.
import { findTool as find, venvBin } from './venv-tools.js';

/**
 * Structurally the `EphemeralServerExecutable` of `@temporalio/testing` (the subset we produce). Declared here so
 * src/ does not need the testing package, a devDependency, even for types; callers pass it straight to
 * `createLocal` / `createTimeSkipping`, where the compiler checks the match.
 */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/** The `temporal` CLI (which runs the dev server): TEMPORAL_CLI_PATH, then .tools/venv, then PATH. */
export function findTemporalCli(): string | undefined {
  return find('TEMPORAL_CLI_PATH', 'temporal');
}

/** The time-skipping `temporal-test-server`: TEMPORAL_TEST_SERVER_PATH, then .tools/venv, then PATH. */
export function findTemporalTestServer(): string | undefined {
  return find('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
}

/** CI=true (GitHub, our own CI) counts; CI=false / CI=0 as some tools set it locally does not. */
function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function executable(found: string | undefined, what: string, envVar: string): ServerExecutable {
  if (found) return { type: 'existing-path', path: found };
  if (inCi()) {
    // In CI the project's own scripts install the binaries; a missing one is a broken setup, and a download (which
    // cannot reach its host here) or a skipped test would hide that.
    throw new Error(
      `${what} not found (looked at ${envVar}, ${venvBin}, PATH). ` +
        'Run `node scripts/setup.mjs` to install it, or set ' +
        `${envVar} to an existing binary.`,
    );
  }
  return { type: 'cached-download' };
}

/** The `executable` option for `TestWorkflowEnvironment.createLocal({ server: { executable } })`. */
export function devServerExecutable(): ServerExecutable {
  return executable(findTemporalCli(), 'Temporal CLI (`temporal`, runs the dev server)', 'TEMPORAL_CLI_PATH');
}

/** The `executable` option for `TestWorkflowEnvironment.createTimeSkipping({ server: { executable } })`. */
export function testServerExecutable(): ServerExecutable {
  return executable(
    findTemporalTestServer(),
    'Temporal time-skipping test server (`temporal-test-server`)',
    'TEMPORAL_TEST_SERVER_PATH',
  );
}
