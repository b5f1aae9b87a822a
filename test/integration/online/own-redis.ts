// redis-server processes a test starts for itself: one to stop and restart, or a small cluster. Never the shared
// server, which other tests (and developers) are using.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A free port from 6391 up, picked at random so parallel runs rarely race for the same one. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 6391 + Math.floor(Math.random() * 3000);
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

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (no persistence) and resolves once it answers PING. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs];
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: 'ignore' });
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    this.child = child;
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until the server listens
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        if (spawnError) throw new Error(`cannot start redis-server (${spawnError.message}); this test needs it on PATH (apt-get install redis-server)`);
        if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with code ${child.exitCode}`);
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
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
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const admin = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => undefined);
    await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined); // no reply: the connection just closes
    admin.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server if it runs and removes its working folder (cluster config files). */
  async dispose(): Promise<void> {
    await this.stop();
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
