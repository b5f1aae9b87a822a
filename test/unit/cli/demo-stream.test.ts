// The demo's streaming step: which broker it streams through, and its --stream-seconds flag.
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseDemoBroker } from '../../../src/cli/demo-stream-broker.js';
import { main } from '../../../src/cli/main.js';
import { freePort } from '../../helpers/free-port.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the demo broker choice', () => {
  it('streams through NATS when something answers at the NATS URL, and tells the repo through the environment', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const env: NodeJS.ProcessEnv = {};
    try {
      expect((await chooseDemoBroker(`nats://127.0.0.1:${port}`, env)).kind).toBe('nats');
      expect(env.FEATUREFLOW_DEMO_STREAM).toBe('nats');
    } finally {
      server.close();
    }
  });

  it('falls back to a Redis Stream when nothing listens at the NATS URL', async () => {
    const env: NodeJS.ProcessEnv = {};
    const choice = await chooseDemoBroker(`nats://127.0.0.1:${await freePort()}`, env);
    expect(choice.kind).toBe('redis-stream');
    expect(choice.why).toContain('no NATS server at');
    expect(env.FEATUREFLOW_DEMO_STREAM).toBe('redis-stream');
  });

  it('keeps the broker the caller chose in FEATUREFLOW_DEMO_STREAM without probing', async () => {
    const env: NodeJS.ProcessEnv = { FEATUREFLOW_DEMO_STREAM: 'redis-stream' };
    expect(await chooseDemoBroker('nats://127.0.0.1:1', env)).toEqual({ kind: 'redis-stream', why: 'FEATUREFLOW_DEMO_STREAM' });
  });
});

describe('featureflow demo --stream-seconds', () => {
  // The demo command's module loads DuckDB and the SDK's worker: slow to import on a busy machine.
  it('refuses a value that is not a whole number of seconds up to an hour, before generating anything', { timeout: 60_000 }, async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const status = await main(['demo', '--stream-seconds', '1.5', '--dir', '/nonexistent/never-written']);
    expect(status).toBe(2);
    expect(err.join('\n')).toContain('--stream-seconds: expected a whole number of seconds from 0 to 3600, got "1.5"');
  });
});
