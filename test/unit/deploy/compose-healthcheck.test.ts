// deploy/healthcheck.mjs, the containers' HEALTHCHECK, against local stand-ins: an HTTP server for `serve`'s
// /health and a TCP listener for the Temporal frontend a worker needs.
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './compose-file.js';

const SCRIPT = path.join(ROOT, 'deploy/healthcheck.mjs');
const opened: net.Server[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function healthcheck(mode: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, mode], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

async function listen(server: net.Server): Promise<number> {
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function httpServer(status: number, seen: string[]): http.Server {
  return http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('deploy/healthcheck.mjs', () => {
  it('passes a server whose GET /health answers 200 on FEATUREFLOW_PORT', async () => {
    const seen: string[] = [];
    const port = await listen(httpServer(200, seen));
    const result = await healthcheck('serve', { FEATUREFLOW_PORT: String(port) });
    expect(result).toEqual({ code: 0, stderr: '' });
    expect(seen).toEqual(['/health']);
  });

  it('fails a server whose /health answers an error, naming the status', async () => {
    const port = await listen(httpServer(500, []));
    const result = await healthcheck('serve', { FEATUREFLOW_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 500');
  });

  it('fails a server that does not listen', async () => {
    const result = await healthcheck('serve', { FEATUREFLOW_PORT: String(await closedPort()) });
    expect(result.code).toBe(1);
  });

  it('passes a worker while the Temporal frontend at TEMPORAL_ADDRESS accepts connections', async () => {
    const port = await listen(net.createServer((socket) => socket.destroy()));
    expect((await healthcheck('worker', { TEMPORAL_ADDRESS: `127.0.0.1:${port}` })).code).toBe(0);
  });

  it('fails a worker whose Temporal frontend is unreachable, naming the address', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const result = await healthcheck('worker', { TEMPORAL_ADDRESS: address });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(address);
  });

  it('passes one-shot commands, which have nothing to probe', async () => {
    expect((await healthcheck('apply', {})).code).toBe(0);
  });
});
