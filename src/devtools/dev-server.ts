/**
 * A Temporal dev server for the demo and local use: reuses one already listening on the address, otherwise starts
 * the project's own `temporal server start-dev` (installed by scripts/setup.mjs) with its Web UI, and stops it
 * again only if it started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { FeatureflowError } from '../registry/errors.js';
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

/** `featureflow dev` or the demo could not start the local Temporal dev server. */
export class DevServerFailedError extends FeatureflowError {
  constructor(message: string) {
    super('DEV_SERVER_FAILED', message);
  }
}

/** What the CLI printed as it failed, turned into the one thing the user must change where it is a port in use. */
export function explainStartFailure(printed: string, ports: { port: number; uiPort: number }, exit: string): string {
  const inUse = /listen tcp\S*\s+\S*?:(\d+): bind: address already in use/.exec(printed);
  if (inUse) {
    const port = Number(inUse[1]);
    const which =
      port === ports.port ? ' (its frontend port, --temporal-port)' : port === ports.uiPort ? ' (its Web UI port, --ui-port)' : ' (one of its internal ports)';
    return `the Temporal dev server could not start: port ${port}${which} is already in use by another process; stop that process or choose another port`;
  }
  const line = printed.split('\n').find((l) => l.includes('address already in use'));
  if (line) return `the Temporal dev server could not start, a port is already in use by another process: ${line.trim()}`;
  const last = printed.trim().split('\n').slice(-5).join('\n');
  return `the Temporal dev server ${exit}${last ? `; it printed:\n${last}` : ''}`;
}

export async function ensureDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  const address = `${host}:${port}`;
  const uiUrl = `http://localhost:${uiPort}`;
  if (await listening(host, port)) return { address, uiUrl, started: false, stop: async () => undefined };
  const cli = findTemporalCli();
  if (!cli) throw new DevServerFailedError('no Temporal CLI found: run `node scripts/setup.mjs` or set TEMPORAL_CLI_PATH');
  const child: ChildProcess = spawn(
    cli,
    ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error', ...searchAttributeFlags()],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // Kept until the server listens, so a failed start can say why (a Go panic is 100 lines; the cause is one);
  // passed through afterwards, as an inherited stderr would be.
  let printed = '';
  let started = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    if (started) process.stderr.write(chunk);
    else printed = (printed + chunk.toString('utf8')).slice(-16_384);
  });
  const exitCode = () => (child.exitCode ?? (child.signalCode !== null ? child.signalCode : null));
  const deadline = Date.now() + 30_000;
  while (!(await listening(host, port))) {
    const code = exitCode();
    if (code !== null) {
      // Its last words may still be in the pipe.
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new DevServerFailedError(explainStartFailure(printed, { port, uiPort }, `exited with ${code}`));
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new DevServerFailedError(explainStartFailure(printed, { port, uiPort }, `did not listen on ${address} within 30 s`));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  started = true;
  if (printed) process.stderr.write(printed);
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
