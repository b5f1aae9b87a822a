// redis-server processes a test starts for itself, on a free port: one to stop (as an operator would), SIGKILL (as
// a crash would) and start again empty on the same port, one to hit with server-wide commands such as SCRIPT FLUSH,
// or a small cluster. Never the shared Redis at 6379: other tests and developers are using it.
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

export class OwnRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ff-redis-'));

  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  /** A server on a free port, started. */
  static async create(): Promise<OwnRedis> {
    const server = new OwnRedis(await freePort());
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
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs];
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: 'ignore' });
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    this.child = child;
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until the server listens
    try {
      for (let attempt = 0; attempt < 200; attempt++) {
        if (spawnError) throw new Error(`cannot start redis-server (${spawnError.message}); this test needs it on PATH (apt-get install redis-server)`);
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

  /** SHUTDOWN NOSAVE, as an operator would; resolves when the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const admin = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => undefined);
    await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined); // no reply: the connection just closes
    admin.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL, as a crash or the OOM killer would: no shutdown, every connection dropped. Resolves once it exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server if it runs and removes its working folder (cluster config files). */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three masters sharing the 16384 slots, joined with CLUSTER MEET; resolves once every node reports state ok. */
export async function startCluster(): Promise<OwnRedis[]> {
  const nodes: OwnRedis[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const node = new OwnRedis(await freePort(), ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
      nodes.push(node);
      await node.start();
    }
    const clients = nodes.map((n) => new Redis(n.port, '127.0.0.1', { maxRetriesPerRequest: 0 }));
    try {
      const ranges = [[0, 5460], [5461, 10922], [10923, 16383]] as const;
      for (let i = 0; i < 3; i++) await clients[i]?.call('CLUSTER', 'ADDSLOTSRANGE', ranges[i]![0], ranges[i]![1]);
      for (const node of nodes.slice(1)) await clients[0]?.call('CLUSTER', 'MEET', '127.0.0.1', node.port);
      for (let attempt = 0; attempt < 200; attempt++) {
        const infos = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
        if (infos.every((info) => info.includes('cluster_state:ok'))) return nodes;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('test cluster did not reach cluster_state:ok within 20 s');
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw err;
  }
}
