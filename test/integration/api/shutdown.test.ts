// `featureflow serve` as a real process: it prints its URL, and on SIGTERM finishes the request in flight before
// exiting 0, in one process and with --workers 2 (the primary forwards the signal).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { cleanupSharedPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { request } from '../../unit/api/http-client.js';
import { waitForBanner } from '../../helpers/serve-child.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const keyPrefix = freshPrefix().replace(/:$/, '');
let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-serve-'));
  config = path.join(dir, 'featureflow.json');
  writeFileSync(config, JSON.stringify(apiRepoInput({ url: redisUrl(), keyPrefix })));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanupSharedPrefix(`${keyPrefix}:`);
});

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `featureflow serve` on a free port and resolves once it printed its URL and /ready answers 200. */
async function serve(extra: string[]): Promise<Served> {
  const child = spawn(process.execPath, ['bin/featureflow.js', 'serve', '--config', config, '--port', '0', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitForBanner(child, () => output, /on (http:\/\/127\.0\.0\.1:\d+)/);
  await expect.poll(async () => (await request(url, 'GET', '/ready').catch(() => ({ status: 0 }))).status, { timeout: 20_000 }).toBe(200);
  return { child, url, output: () => output, exited };
}

/** Sends the headers and the first half of a request body; `finish()` sends the rest and resolves with the answer. */
function halfSentRequest(url: string, body: string): { finish: () => Promise<string> } {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (answer += d));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
  );
  return {
    finish: async () => {
      socket.write(body.slice(half));
      await closed;
      return answer;
    },
  };
}

/** Waits until some server process reports two requests in flight: the half-sent one and this /metrics call. */
async function waitInFlight(url: string): Promise<void> {
  await expect
    .poll(async () => (await request(url, 'GET', '/metrics')).text.includes('featureflow_http_requests_in_flight 2'), {
      timeout: 20_000,
      interval: 20,
    })
    .toBe(true);
}

describe('featureflow serve', () => {
  it.each([[[]], [['--workers', '2']]])('finishes the request in flight on SIGTERM and exits 0 (%j)', async (extra) => {
    const served = await serve(extra);
    try {
      expect(served.output()).toContain('try: curl -s -X POST');
      const body = JSON.stringify({ features: ['user_stats:clicks'], entities: { user_id: [1, 2] } });
      const pending = halfSentRequest(served.url, body);
      await waitInFlight(served.url);
      served.child.kill('SIGTERM');
      await expect.poll(() => served.output()).toContain('SIGTERM: finishing in-flight requests');
      const answer = await pending.finish();
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toContain('"feature_names":["user_id","clicks"]');
      expect(await served.exited).toBe(0);
    } finally {
      served.child.kill('SIGKILL');
    }
  });
});
