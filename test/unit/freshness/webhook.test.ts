// postAlert against a real local HTTP receiver: what is sent, and which answers are worth a retry by Temporal.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAlert } from '../../../src/freshness/webhook.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const received: Received[] = [];
/** path -> how the receiver answers it. */
const answers: Record<string, (res: http.ServerResponse) => void> = {
  '/ok': (res) => res.writeHead(204).end(),
  '/boom': (res) => res.writeHead(500).end('database on fire'),
  '/busy': (res) => res.writeHead(429).end(),
  '/slow-client': (res) => res.writeHead(408).end(),
  '/bad': (res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unknown field x"}'),
  '/gone': (res) => res.writeHead(404).end(),
  '/moved': (res) => res.writeHead(301, { location: '/ok' }).end(),
  '/hang': () => undefined,
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answers[(req.url ?? '').split('?')[0] ?? '']?.(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('alert webhook POST', () => {
  it('sends the payload as JSON with an idempotency key', async () => {
    await postAlert(`${base}/ok`, { kind: 'breach', view: 'v' }, { idempotencyKey: 'shop:v:breach:t' });
    const last = received.at(-1) as Received;
    expect(last).toMatchObject({ method: 'POST', url: '/ok', body: '{"kind":"breach","view":"v"}' });
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['idempotency-key']).toBe('shop:v:breach:t');
  });

  it('fails retryable on 5xx, 408 and 429, quoting what the receiver said', async () => {
    await expect(postAlert(`${base}/boom`, {})).rejects.toMatchObject({
      code: 'ALERT_WEBHOOK_FAILED',
      retryable: true,
      message: `the alerts webhook at ${base} answered 500: "database on fire"`,
    });
    for (const path of ['/busy', '/slow-client']) {
      await expect(postAlert(`${base}${path}`, {})).rejects.toMatchObject({ code: 'ALERT_WEBHOOK_FAILED', retryable: true });
    }
  });

  it('fails for good on other 4xx and on redirects: resending the same request cannot help', async () => {
    await expect(postAlert(`${base}/bad`, {})).rejects.toMatchObject({
      code: 'ALERT_WEBHOOK_REJECTED',
      retryable: false,
      message: expect.stringContaining('answered 400: "{\\"error\\":\\"unknown field x\\"}"'),
    });
    await expect(postAlert(`${base}/gone`, {})).rejects.toMatchObject({ code: 'ALERT_WEBHOOK_REJECTED', retryable: false });
    const before = received.length;
    await expect(postAlert(`${base}/moved`, {})).rejects.toMatchObject({
      code: 'ALERT_WEBHOOK_REJECTED',
      message: expect.stringContaining('a redirect'),
    });
    expect(received.length).toBe(before + 1);
  });

  it('fails retryable when nobody listens or the receiver does not answer in time', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(postAlert(`http://127.0.0.1:${port}/x`, {})).rejects.toMatchObject({
      code: 'ALERT_WEBHOOK_FAILED',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED'),
    });
    await expect(postAlert(`${base}/hang`, {}, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'ALERT_WEBHOOK_FAILED',
      message: expect.stringContaining('no answer within 200 ms'),
    });
  });

  it('names the webhook by its origin only: the path may hold a secret', async () => {
    await expect(postAlert(`${base}/boom?token=secret`, {})).rejects.toSatisfy((err: Error) => !err.message.includes('secret'));
  });
});
