/**
 * Processes the Temporal fault tests break on purpose: worker processes (wf-worker.ts) and a Temporal dev server
 * with a database file on a port of our own, each a child we can SIGKILL and start again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { searchAttributeFlags } from '../../../src/devtools/dev-server.js';
import { findTemporalCli } from '../../../src/devtools/temporal-binaries.js';
import { WORKFLOWS_PATH } from '../../../src/worker.js';
import { freePort } from '../../helpers/free-port.js';
import { waitFor } from '../../integration/workflows/helpers/wait.js';
export { freePort };

const WORKER_SCRIPT = fileURLToPath(new URL('./wf-worker.ts', import.meta.url));
// tsx's loader by its own URL: `--import tsx` would look for the package from the worker's folder, which need not
// be inside this project (the scale test runs workers in temp folders).
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const children = new Set<ChildProcess>();

/** SIGKILLs every child still alive; for afterAll. */
export function killAllChildren(): void {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
  children.clear();
}

export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Bundles the workflows once into `dir/workflow-bundle.js`, so every worker process starts from the file. */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, bundle.code);
  return file;
}

export interface WorkerSpec {
  address: string;
  taskQueue: string;
  configPath: string;
  bundlePath: string;
  identity: string;
  chunkDelayMs?: number;
  /** The worker's working folder (a relative configPath is read from there); default this process's. */
  cwd?: string;
  /** More environment for the worker, e.g. the AWS_* variables of an S3 offline store. */
  env?: Record<string, string>;
  /** Each worker holds at most this many chunks at once (default 8, like `featureflow worker`). */
  maxActivities?: number;
}

/** Starts a worker process and resolves once it polls. */
export async function spawnWorker(spec: WorkerSpec): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, WORKER_SCRIPT], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: spec.address,
      TASK_QUEUE: spec.taskQueue,
      FEATUREFLOW_CONFIG: spec.configPath,
      WORKER_IDENTITY: spec.identity,
      WORKFLOW_BUNDLE: spec.bundlePath,
      CHUNK_DELAY_MS: String(spec.chunkDelayMs ?? 0),
      ...(spec.maxActivities === undefined ? {} : { MAX_ACTIVITIES: String(spec.maxActivities) }),
      ...spec.env,
    },
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => data.toString().includes('ready') && resolve());
    child.once('exit', (code, signal) => reject(new Error(`worker ${spec.identity} exited early (${code ?? signal})`)));
  });
  return child;
}

/** SIGKILL (no shutdown, no goodbye to the server) and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

/** SIGTERM (graceful shutdown) and wait for the exit. */
export async function stopGracefully(child: ChildProcess): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  children.delete(child);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(300, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface PersistentServerSpec {
  port: number;
  dbFile: string;
  extraArgs?: string[];
}

/**
 * `temporal server start-dev` with a database file, headless, on a fixed port, so a restart on the same port and
 * file brings back every workflow. Resolves once the frontend port accepts connections.
 */
export async function startPersistentServer(spec: PersistentServerSpec): Promise<ChildProcess> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('no Temporal CLI found: run `node scripts/setup.mjs` or set TEMPORAL_CLI_PATH');
  // The search attributes as `featureflow dev` registers them (a restart on the same file accepts the same flags).
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(spec.port), '--db-filename', spec.dbFile, ...searchAttributeFlags()];
  const child = spawn(cli, [...args, '--headless', '--log-level', 'error', ...(spec.extraArgs ?? [])], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const deadline = Date.now() + 60_000;
  while (!(await listening(spec.port))) {
    if (!alive(child)) throw new Error(`temporal server start-dev exited (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`temporal server start-dev did not listen on ${spec.port} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

/** Polls until a condition holds: a bound on how long to wait for an event, never a timed assertion. */
export function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  return waitFor(what, check, timeoutMs);
}
