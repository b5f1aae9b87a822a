// Auth over real HTTP(S): 401/403/200 per route and scope, view-level checks through services, refs and on-demand
// views, writes, token file reloads (by polling and on demand, a broken file keeping the old tokens) and TLS with a
// self-signed certificate made by openssl at test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newToken } from '../../../src/api/auth/tokens.js';
import { startAuthServer, tokenFileText, TOKEN_SCOPES, type AuthServer, type TokenName } from '../../helpers/auth-server.js';
import { request, type Answer } from '../../unit/api/http-client.js';

let env: AuthServer;

beforeAll(async () => {
  env = await startAuthServer();
});

afterAll(async () => {
  await env?.close();
});

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
const as = (name: TokenName | undefined, method: string, route: string, body?: unknown): Promise<Answer> =>
  request(env.url, method, route, body, name ? { headers: bearer(env.tokens[name]) } : {});

const userStats = { features: ['user_stats:clicks'], entities: { user_id: [1] } };
const fraud = { feature_service: 'fraud_v1', entities: { user_id: [1], merchant_id: ['m'] } };
const profile = { features: ['user_profile:country'], entities: { user_id: [1] } };
const mixed = { features: ['user_stats:clicks', 'user_profile:country'], entities: { user_id: [1] } };
const derived = { features: ['derived:ratio'], entities: { user_id: [1], amount: [2.5] } };
const scoring = { feature_service: 'scoring', entities: { user_id: [1], amount: [2.5] } };
const writeLive = { feature_view_name: 'live_stats', df: { user_id: [1], score: [0.5], event_timestamp: ['2026-01-01T00:00:00'] } };
const writeStats = { feature_view_name: 'user_stats', df: { user_id: [1], clicks: [1], avg_amount: [1.5], tags: [['a']], event_timestamp: ['2026-01-01T00:00:00'] } };
const pushLive = { push_source_name: 'live', to: 'online', df: { user_id: [1], score: [0.5], event_timestamp: ['2026-01-01T00:00:00'] } };

describe('routes without a token', () => {
  it('leaves /health and /ready open', async () => {
    expect((await as(undefined, 'GET', '/health')).status).toBe(200);
    expect((await as(undefined, 'GET', '/ready')).status).toBe(200);
    expect((await as(undefined, 'HEAD', '/health')).status).toBe(200);
  });

  it.each([
    ['POST', '/get-online-features', userStats],
    ['POST', '/push', pushLive],
    ['POST', '/write-to-online-store', writeLive],
    ['POST', '/materialize', {}],
    ['GET', '/registry', undefined],
    ['GET', '/registry/history', undefined],
    ['GET', '/freshness', undefined],
    ['GET', '/metrics', undefined],
    ['GET', '/ui', undefined],
    ['GET', '/ui/app.js', undefined],
    ['GET', '/no-such-route', undefined],
  ])('answers %s %s 401 with WWW-Authenticate: Bearer', async (method, route, body) => {
    const res = await as(undefined, method, route, body);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(res.json.error.code).toBe('UNAUTHENTICATED');
  });

  it('answers a malformed header or an unknown token 401 without echoing it', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', `Bearer  ${env.tokens.admin}`, `Bearer ${env.tokens.admin} x`, 'Bearer', `Token ${env.tokens.admin}`, `Bearer ${newToken()}`]) {
      const res = await request(env.url, 'GET', '/registry', undefined, { headers: { Authorization: header } });
      expect(res.status, header).toBe(401);
      expect(res.text).not.toContain(env.tokens.admin);
    }
  });

  it('accepts the scheme in any case', async () => {
    const res = await request(env.url, 'GET', '/registry', undefined, { headers: { Authorization: `bEARER ${env.tokens.admin}` } });
    expect(res.status).toBe(200);
  });
});

describe('admin routes', () => {
  it.each(['/registry', '/registry/history', '/freshness', '/metrics', '/ui'])('serves GET %s to admin only', async (route) => {
    expect((await as('admin', 'GET', route)).status).toBe(200);
    const res = await as('fraud', 'GET', route);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FORBIDDEN');
    expect(res.json.error.message).toContain('admin');
    expect(res.text).not.toContain(env.tokens.fraud);
  });

  it('answers an unknown route 404 only to admin', async () => {
    expect((await as('admin', 'GET', '/nope')).status).toBe(404);
    expect((await as('allViews', 'GET', '/nope')).status).toBe(403);
  });
});

describe('reads', () => {
  it('lets a service token read its service and refs to its views, nothing else', async () => {
    expect((await as('fraud', 'POST', '/get-online-features', fraud)).status).toBe(200);
    expect((await as('fraud', 'POST', '/get-online-features', userStats)).status).toBe(200);
    expect((await as('fraud', 'POST', '/get-online-features', { ...userStats, features: ['service:fraud_v1'], entities: fraud.entities })).status).toBe(200);
    for (const body of [profile, mixed]) {
      const res = await as('fraud', 'POST', '/get-online-features', body);
      expect(res.status).toBe(403);
      expect(res.json.error.message).toContain('user_profile');
    }
    expect((await as('fraud', 'POST', '/get-online-features', scoring)).json.error.message).toContain('service:scoring');
  });

  it('lets a view token read that view only, not a service using others', async () => {
    expect((await as('stats', 'POST', '/get-online-features', userStats)).status).toBe(200);
    const res = await as('stats', 'POST', '/get-online-features', fraud);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toContain('fraud_v1');
  });

  it('needs an on-demand view and the views it computes from, unless a service covers both', async () => {
    const res = await as('derivedOnly', 'POST', '/get-online-features', derived);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toContain('"user_stats"');
    expect((await as('scoring', 'POST', '/get-online-features', scoring)).status).toBe(200);
    expect((await as('scoring', 'POST', '/get-online-features', derived)).status).toBe(200);
    expect((await as('allViews', 'POST', '/get-online-features', derived)).status).toBe(200);
  });

  it('answers names the token may not read 403, never a 404 listing the repo', async () => {
    const view = await as('fraud', 'POST', '/get-online-features', { features: ['nope:x'], entities: { user_id: [1] } });
    expect(view.status).toBe(403);
    const service = await as('fraud', 'POST', '/get-online-features', { feature_service: 'nope', entities: { user_id: [1] } });
    expect(service.status).toBe(403);
    expect(service.text).not.toContain('scoring');
  });

  it('refuses a write-only token on reads before reading the body', async () => {
    const res = await as('writer', 'POST', '/get-online-features', userStats);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/service:, view: or admin/);
  });

  it('still answers unknown extra join keys 400', async () => {
    const res = await as('admin', 'POST', '/get-online-features', { ...userStats, entities: { user_id: [1], shop_id: [2] } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('entities.shop_id');
  });
});

describe('writes', () => {
  it('lets write:VIEW write that view, by /write-to-online-store or /push', async () => {
    expect((await as('writer', 'POST', '/write-to-online-store', writeLive)).status).toBe(200);
    expect((await as('writer', 'POST', '/push', pushLive)).status).toBe(200);
    const other = await as('writer', 'POST', '/write-to-online-store', writeStats);
    expect(other.status).toBe(403);
    expect(other.json.error.message).toContain('write:user_stats');
    expect((await as('writeAll', 'POST', '/write-to-online-store', writeStats)).status).toBe(200);
    expect((await as('admin', 'POST', '/push', pushLive)).status).toBe(200);
  });

  it('refuses read tokens on write routes', async () => {
    const res = await as('allViews', 'POST', '/push', pushLive);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/write: or admin/);
  });
});

describe('token file reloads', () => {
  it('picks up an edited file, keeps the old tokens when the edit is broken, and reads it again once fixed', async () => {
    const fresh = newToken();
    const all = { ...env.tokens, late: fresh };
    const scopes = { ...TOKEN_SCOPES, late: ['admin'] };
    expect((await request(env.url, 'GET', '/registry', undefined, { headers: bearer(fresh) })).status).toBe(401);
    writeFileSync(env.tokenFile, tokenFileText(all, scopes));
    expect(await env.source.reload('test')).toBe(true);
    expect((await request(env.url, 'GET', '/registry', undefined, { headers: bearer(fresh) })).status).toBe(200);

    writeFileSync(env.tokenFile, '{"tokens": [ {"name": "half-writ');
    expect(await env.source.reload('test')).toBe(false);
    expect((await request(env.url, 'GET', '/registry', undefined, { headers: bearer(fresh) })).status).toBe(200);

    writeFileSync(env.tokenFile, tokenFileText(env.tokens, TOKEN_SCOPES));
    expect(await env.source.reload('test')).toBe(true);
    expect((await request(env.url, 'GET', '/registry', undefined, { headers: bearer(fresh) })).status).toBe(401);
  });

  it('notices a changed file by itself (polling its stat)', async () => {
    const polled = await startAuthServer({ pollIntervalMs: 50 });
    try {
      const fresh = newToken();
      writeFileSync(polled.tokenFile, tokenFileText({ ...polled.tokens, late: fresh }, { ...TOKEN_SCOPES, late: ['view:user_stats'] }));
      await vi.waitFor(
        async () => {
          const res = await request(polled.url, 'POST', '/get-online-features', userStats, { headers: bearer(fresh) });
          expect(res.status).toBe(200);
        },
        { timeout: 30_000, interval: 100 },
      );
    } finally {
      await polled.close();
    }
  });
});

describe('TLS', () => {
  let dir: string;
  let tls: AuthServer;
  let cert: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ff-tls-'));
    // openssl is part of the machine's base image (checked: /usr/bin/openssl); a P-256 key is quick to make.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(path.join(dir, 'cert.pem'));
    tls = await startAuthServer({ tls: { cert, key: readFileSync(path.join(dir, 'key.pem')) } });
  });

  afterAll(async () => {
    await tls?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (route: string, headers: Record<string, string>, ca?: Buffer): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${tls.url}${route}`, { method: 'GET', headers, agent: false, ...(ca ? { ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });

  it('serves over https with the same handler and auth', async () => {
    expect(tls.url).toMatch(/^https:\/\//);
    expect((await get('/health', {}, cert)).status).toBe(200);
    expect((await get('/registry', {}, cert)).status).toBe(401);
    const registry = await get('/registry', bearer(tls.tokens.admin), cert);
    expect(registry.status).toBe(200);
    expect(JSON.parse(registry.text).project).toBe('shop');
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(get('/health', {})).rejects.toThrow(/self[- ]signed/i);
  });
});
