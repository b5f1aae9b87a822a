// A redis-server of the test's own, on a free port, that the test may stop and start again: the shared Redis
// must never be shut down by a test.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class OwnRedis {
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (daemonized, no persistence) and waits until it answers PING. */
  async start(): Promise<void> {
    await run('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes']);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start: ${String(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        client.disconnect();
      }
    }
  }

  /** SHUTDOWN NOSAVE; resolves when the port no longer accepts connections. */
  async stop(): Promise<void> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.call('SHUTDOWN', 'NOSAVE');
    } catch {
      // the server closes the connection instead of replying
    } finally {
      client.disconnect();
    }
    const deadline = Date.now() + 10_000;
    while (await accepts(this.port)) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not stop`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
