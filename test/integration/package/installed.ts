// Helpers of pack.test.ts: commands run as a user of the installed package would run them, and install sizes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Run {
  code: number;
  out: string;
  err: string;
}

/**
 * A user's environment: without npm's own `npm_*` variables (under `npm test` they describe this repo, its prefix
 * and lifecycle) and without NODE_OPTIONS (a test runner's loaders are not the plain Node the package must run on).
 */
export function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_') && name !== 'NODE_OPTIONS'),
  );
}

/** Runs a command to its end (async, so the test worker stays responsive during minutes of npm). */
export async function run(cmd: string, args: string[], cwd: string, timeoutMs = 600_000): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: e.stdout ?? '', err: e.stderr ?? e.message };
  }
}

/** Like `run`, but a failure stops the test with the command's own output. */
export async function runOk(cmd: string, args: string[], cwd: string): Promise<Run> {
  const result = await run(cmd, args, cwd);
  if (result.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.code}:\n${result.out}\n${result.err}`);
  return result;
}

/** Disk usage in KiB, as `du -sk` reports it. */
export async function duKib(dir: string): Promise<number> {
  const { out } = await runOk('du', ['-sk', dir], path.dirname(dir));
  return Number(out.split(/\s/)[0]);
}

export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

/** The installed `featureflow` command (node_modules/.bin), as `npx featureflow` finds it. */
export function installedBin(app: string): string {
  return path.join(app, 'node_modules', '.bin', 'featureflow');
}

/** A long-running installed command (the worker); resolves once its stderr shows `ready`. */
export async function startUntil(
  cmd: string,
  args: string[],
  opts: { cwd: string; ready: RegExp; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ChildProcess> {
  const { cwd, ready, timeoutMs = 180_000 } = opts;
  const child = spawn(cmd, args, { cwd, env: { ...userEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no ${ready} within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${output}`));
    };
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!ready.test(output)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
  // Keep draining, so a chatty process never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** SIGTERM, then waits for the exit (the worker closes Redis and DuckDB first); its exit code. */
export async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
