/**
 * A Temporal dev server for the demo and local use: reuses one already listening on the address, otherwise starts
 * the project's own `temporal server start-dev` (installed by scripts/setup.mjs) with its Web UI, and stops it
 * again only if it started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../workflows/contracts/search-attributes.js';
import { findTemporalCli } from './temporal-binaries.js';

export interface DevServer {
  address: string;
  uiUrl: string;
  /** True when this process started the server (and stop() ends it). */
  started: boolean;
  stop(): Promise<void>;
}

function listening(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface DevServerOptions {
  host?: string;
  port?: number;
  uiPort?: number;
}

/** Featureflow's search attributes, registered as the server starts (what `featureflow temporal setup` does later). */
export function searchAttributeFlags(): string[] {
  return Object.entries(CUSTOM_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

export async function ensureDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  const address = `${host}:${port}`;
  const uiUrl = `http://localhost:${uiPort}`;
  if (await listening(host, port)) return { address, uiUrl, started: false, stop: async () => undefined };
  const cli = findTemporalCli();
  if (!cli) throw new Error('no Temporal CLI found: run `node scripts/setup.mjs` or set TEMPORAL_CLI_PATH');
  const child: ChildProcess = spawn(
    cli,
    ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error', ...searchAttributeFlags()],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + 30_000;
  while (!(await listening(host, port))) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited with code ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`temporal server start-dev did not listen on ${address} within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    address,
    uiUrl,
    started: true,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
