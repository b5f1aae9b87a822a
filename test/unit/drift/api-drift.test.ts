// GET /drift over real HTTP with the in-memory store: stored reports as they are, nulls for a view never checked,
// errors in the API's shape.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { FakeOnlineStore } from '../../helpers/fake-online-store.js';
import { request } from '../api/http-client.js';
import { CHECKED_AT, driftRepoInput, report } from './drift-repo.js';

const store = new FakeOnlineStore();
const repo = RepoSchema.parse(driftRepoInput());
let api: ApiServer;
let url: string;

beforeAll(async () => {
  store.driftReports.set(`${repo.project}|user_stats`, { checkedAt: CHECKED_AT, report: report('user_stats', 'warn') });
  store.driftAlerts.set(`${repo.project}|user_stats`, { level: 'warn', at: CHECKED_AT });
  api = createServer({ repo, store, logger: silentLogger, limits: { storeTimeoutMs: 300 } });
  url = (await api.listen(0)).url;
});

afterAll(async () => {
  await api.close();
});

afterEach(() => {
  store.failure = undefined;
});

describe('GET /drift', () => {
  it('answers every view with a drift block: its stored report and last alert, or nulls', async () => {
    const res = await request(url, 'GET', '/drift');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      project: repo.project,
      views: [
        { view: 'user_stats', checkedAt: CHECKED_AT, report: report('user_stats', 'warn'), lastAlert: { level: 'warn', at: CHECKED_AT } },
        { view: 'merchant_stats', checkedAt: null, report: null, lastAlert: null },
      ],
    });
  });

  it('answers 404 for an unknown view and 503 while Redis is down', async () => {
    const unknown = await request(url, 'GET', '/drift?views=nope');
    expect(unknown.status).toBe(404);
    expect((unknown.json as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    store.unavailable();
    expect((await request(url, 'GET', '/drift')).status).toBe(503);
  });
});
