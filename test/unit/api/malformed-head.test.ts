// A HEAD request Node cannot parse (found by the body fuzzer: a HEAD with a DEL byte in its target) is answered 400
// without a body: with one, the client reads the body as the start of a next answer and fails the request with
// "Data after Connection: close" instead of seeing the 400.
import http from 'node:http';
import net from 'node:net';
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

/**
 * A request whose body the server does not read (DELETE /health, answered 405 at once), then, once that answer is
 * in, the end of its body and `next` in one write: the server gets both in one read, as a loaded server does when
 * a client sends its next request right after a big body. Resolves with what came after the 405.
 */
function afterUnreadBody(next: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(api.address().port, '127.0.0.1', () =>
      socket.write('DELETE /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n'),
    );
    let text = '';
    let firstAnswer: number | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      text += c;
      // The 405's JSON body ends the first answer.
      if (firstAnswer === undefined && text.endsWith('}}')) {
        firstAnswer = text.length;
        socket.write(`hello${next}`, 'latin1');
      }
    });
    socket.on('end', () => resolve(text.slice(firstAnswer ?? 0)));
    socket.on('error', reject);
  });
}

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

  it('is answered without a body when it comes in one read after the tail of an unread body', async () => {
    const answer = await afterUnreadBody('HEAD /ui/\x7f HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\nContent-Length: 0\r\n/i);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it('is told from a GET after the tail of an unread body, which keeps the JSON error body', async () => {
    const answer = await afterUnreadBody('GET /ui/\x7f HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('"code":"BAD_HTTP_REQUEST"');
  });

  it('leaves GET with the same target answered with the JSON error body', async () => {
    const answer = await rawExchange(api.address().port, 'GET /ui/\x7f HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toContain('"code":"BAD_HTTP_REQUEST"');
  });
});
