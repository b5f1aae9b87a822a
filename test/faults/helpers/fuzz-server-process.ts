// Starting and talking to the fuzzed server process (fuzz-server.ts): its URL, its RSS, what it logged, and
// whether it died.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzServerCommand, FuzzServerMessage } from './fuzz-server.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz-server.ts');

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface FuzzServerProcess {
  url: URL;
  /** Errors the server logged (it logs every 500 it answers and every failure to answer). */
  logged: Array<{ message: string; fields: Record<string, unknown> }>;
  /** Set when the process ended without being asked to stop: a crash. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Memory after a full GC: RSS, and the JS heap in use and external memory (buffers), which tell a leak from RSS the allocator keeps. */
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export async function startFuzzServer(): Promise<FuzzServerProcess> {
  const child: ChildProcess = fork(SCRIPT, [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let stopping = false;
  const handle: FuzzServerProcess = {
    url: new URL('http://127.0.0.1'),
    logged: [],
    exit: undefined,
    memory: () =>
      new Promise((resolve, reject) => {
        if (handle.exit) {
          reject(new Error('the fuzzed server is not running'));
          return;
        }
        const onMessage = (m: FuzzServerMessage): void => {
          if (m.type !== 'rss') return;
          child.off('message', onMessage);
          resolve({ rss: m.bytes, heapUsed: m.heapUsed, external: m.external });
        };
        child.on('message', onMessage);
        child.send({ type: 'rss' } satisfies FuzzServerCommand);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (handle.exit || child.exitCode !== null) {
          resolve();
          return;
        }
        stopping = true;
        child.once('exit', () => resolve());
        child.send({ type: 'stop' } satisfies FuzzServerCommand);
      }),
  };
  child.on('message', (m: FuzzServerMessage) => {
    if (m.type === 'logged') handle.logged.push({ message: m.message, fields: m.fields });
  });
  child.on('exit', (code, signal) => {
    if (!stopping) handle.exit = { code, signal };
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: FuzzServerMessage): void => {
      if (m.type !== 'ready') return;
      child.off('message', onMessage);
      handle.url = new URL(m.url);
      resolve();
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the fuzzed server exited with ${code} before it listened`)));
  });
  return handle;
}
