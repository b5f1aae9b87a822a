import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Runs `featureflow ...args`; the exit status and what it printed to stderr. */
async function cli(args: string[]): Promise<{ status: number; stderr: string }> {
  const err: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const status = await main(args);
  return { status, stderr: err.join('\n') };
}

describe('Temporal connection flags on the commands', () => {
  // The demo command's module loads DuckDB and the SDK's worker: slow to import on a busy machine.
  it('refuse TLS flags for the demo when it would use its plaintext dev server, before generating anything', { timeout: 60_000 }, async () => {
    vi.stubEnv('TEMPORAL_ADDRESS', '');
    const { status, stderr } = await cli(['demo', '--tls-ca-path', 'ca.pem', '--dir', '/nonexistent/never-written']);
    expect(status).toBe(2);
    expect(stderr).toContain('a --tls option needs --address (or TEMPORAL_ADDRESS): the dev server is plaintext');
  });

  it('stop a command with the flag and path of an unreadable certificate, before connecting', async () => {
    const { status, stderr } = await cli(['replay', '--workflow-id', 'w', '--tls-cert-path', '/nonexistent/client.pem']);
    expect(status).toBe(1);
    expect(stderr).toContain('--tls-cert-path: cannot read the certificate file /nonexistent/client.pem: ENOENT [INVALID_TEMPORAL_CONFIG]');
  });

  it('name a bad TEMPORAL_TLS for every command that connects', async () => {
    vi.stubEnv('TEMPORAL_TLS', 'maybe');
    const { status, stderr } = await cli(['replay', '--workflow-id', 'w']);
    expect(status).toBe(1);
    expect(stderr).toContain('TEMPORAL_TLS: expected true or false, got "maybe"');
  });

  it('are --temporal-* on serve, whose --tls-cert is its own HTTPS certificate', async () => {
    const { status, stderr } = await cli(['serve', '--tls', '--config', '/nonexistent/featureflow.json']);
    expect(status).toBe(2);
    expect(stderr).toContain("Unknown option '--tls'");
  });
});
