// A redis-server of the fault test's own, on a free port, that the test may SIGKILL and start again empty on the same
// port (no persistence), or hit with server-wide commands such as SCRIPT FLUSH. Never the shared Redis at 6379: other
// tests and developers are using it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A free port picked at random from 20000 up, so parallel runs rarely race for the same one. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (await portIsFree(port)) return port;
  }
  throw new Error('no free port found for a test redis-server');
}

export class KillableRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ff-fault-redis-'));

  constructor(readonly port: number) {}

  static async create(): Promise<KillableRedis> {
    const server = new KillableRedis(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The pid of the running server, for the log; undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  private get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts an empty server (no RDB, no AOF) and resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`redis-server on port ${this.port} is already running`);
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: 'ignore' });
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    this.child = child;
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until the server listens
    try {
      for (let attempt = 0; attempt < 200; attempt++) {
        if (spawnError) throw new Error(`cannot start redis-server (${spawnError.message}); the fault suite needs it on PATH`);
        if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with code ${child.exitCode}`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          await probe.ping();
          return;
        } catch {
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL, as a crash or the OOM killer would: no shutdown, every connection dropped. Resolves once it exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server if it runs and removes its working folder. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
