// Bad bytes right after a good request in one packet (the body fuzzer found it on a keep-alive connection): the good
// request keeps its own answer, sent as the connection's last, instead of a 400 arriving as its answer followed by
// its real one ("Data after Connection: close" in the client).
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

describe('unparseable bytes after a request on the same connection', () => {
  it('answer the request it came after, with Connection: close, and nothing else', async () => {
    const answer = await rawExchange(api.address().port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE \x01 nonsense\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(answer.endsWith('{"status":"ok"}')).toBe(true);
  });

  it('still answer 400 when no request is being answered', async () => {
    const answer = await rawExchange(api.address().port, 'GARBAGE \x01 nonsense\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('BAD_HTTP_REQUEST');
  });
});
