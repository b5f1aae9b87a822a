// A HEAD request Node cannot parse (found by the body fuzzer: a HEAD with a DEL byte in its target) is answered 400
// without a body: with one, the client reads the body as the start of a next answer and fails the request with
// "Data after Connection: close" instead of seeing the 400.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { apiRepo } from '../../helpers/api-repo.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { rawExchange } from './http-client.js';

let api: ApiServer;

beforeAll(async () => {
  api = createServer({ repo: apiRepo(), store: new FakeOnlineStore(), logger: silentLogger });
  await api.listen(0);
});

afterAll(async () => {
  await api.close();
});

function head(path: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: api.address().port, method: 'HEAD', path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a malformed HEAD request', () => {
  it('is answered 400 with headers only, which a keep-alive client reads as the answer', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await head('/ui/\x7f', agent)).toBe(400);
      // The connection was closed, the next request gets a fresh one and its own answer.
      expect(await head('/health', agent)).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('ends the raw answer right after its headers', async () => {
    const answer = await rawExchange(api.address().port, 'HEAD /ui/\x7f HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it('leaves GET with the same target answered with the JSON error body', async () => {
    const answer = await rawExchange(api.address().port, 'GET /ui/\x7f HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toContain('"code":"BAD_HTTP_REQUEST"');
  });
});
