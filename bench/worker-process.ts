/** A `featureflow worker` child process for the benchmarks that go through Temporal, resolved once it polls. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface WorkerProcessOptions {
  /** The worker's working folder (a relative config is read from there); default the project's. */
  cwd?: string;
  /** More environment, e.g. the AWS_* variables of an S3 offline store. */
  env?: Record<string, string>;
  /** Further `featureflow worker` flags, e.g. `['--max-activities', '2']`. */
  args?: string[];
}

export async function startWorkerProcess(config: string, address: string, taskQueue: string, options: WorkerProcessOptions = {}): Promise<ChildProcess> {
  const args = [path.join(root, 'bin', 'featureflow.js'), 'worker', '--config', config, '--address', address, '--task-queue', taskQueue, ...(options.args ?? [])];
  const worker = spawn(process.execPath, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    worker.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('polling task queue')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling:\n${stderr}`)));
  });
  return worker;
}

/** SIGTERM, then wait for it to exit (it finishes or cancels running activities first). */
export async function stopWorkerProcess(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await exited;
}
