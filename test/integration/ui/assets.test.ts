// The catalog's HTTP side: its files served from memory with content types and ETags, nothing but the known names
// served (no path reaches the disk), and GET /registry/history over a stored registry with two versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../unit/api/http-client.js';
import { startUiEnv, type UiEnv } from './ui-env.js';

let env: UiEnv;

beforeAll(async () => {
  env = await startUiEnv();
});

afterAll(async () => {
  await env?.teardown();
});

describe('GET /ui', () => {
  it('serves the page at /ui and /ui/ with its content type, an ETag and no-cache', async () => {
    for (const path of ['/ui', '/ui/', '/ui/index.html', '/ui?x=1']) {
      const res = await request(env.url, 'GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers.etag).toMatch(/^"[\w-]{22}"$/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.text).toContain('<script type="module" src="/ui/app.js">');
    }
  });

  it('serves scripts and styles with their content types', async () => {
    const js = await request(env.url, 'GET', '/ui/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toContain("import { renderLookup } from './lookup.js'");
    const css = await request(env.url, 'GET', '/ui/app.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await request(env.url, 'GET', '/ui/lookup.js')).status).toBe(200);
    expect((await request(env.url, 'GET', '/ui/render.js')).status).toBe(200);
    expect((await request(env.url, 'GET', '/ui/model.js')).status).toBe(200);
  });

  it('answers 304 without a body when the ETag still matches, and 200 when it does not', async () => {
    const first = await request(env.url, 'GET', '/ui/app.js');
    const etag = String(first.headers.etag);
    const again = await request(env.url, 'GET', '/ui/app.js', undefined, { headers: { 'If-None-Match': `"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    const changed = await request(env.url, 'GET', '/ui/app.js', undefined, { headers: { 'If-None-Match': '"stale"' } });
    expect(changed.status).toBe(200);
    expect(changed.text).toBe(first.text);
  });

  it('serves only its own files: traversal and unknown names are 404s naming the files', async () => {
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/assets.ts', '/ui/app.js/', '/ui//app.js', '/uix']) {
      const res = await request(env.url, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.json.error.code).toBe('ROUTE_NOT_FOUND');
    }
    const unknown = await request(env.url, 'GET', '/ui/secret.txt');
    expect(unknown.json.error.message).toContain('/ui/app.js');
  });

  it('answers HEAD like GET and refuses POST with 405', async () => {
    const head = await request(env.url, 'HEAD', '/ui/app.css');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const post = await request(env.url, 'POST', '/ui', {});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('counts every asset under one metrics label', async () => {
    await request(env.url, 'GET', '/ui/nothing-here.js');
    const metrics = await request(env.url, 'GET', '/metrics');
    expect(metrics.text).toContain('route="/ui/*"');
    expect(metrics.text).not.toContain('nothing-here');
  });
});

describe('GET /registry/history', () => {
  it('lists the stored versions newest first, with what each changed, and says the served repo is in sync', async () => {
    const res = await request(env.url, 'GET', '/registry/history');
    expect(res.status).toBe(200);
    expect(res.json.project).toBe('shop');
    expect(res.json.servedHash).toMatch(/^[0-9a-f]{12}$/);
    expect(res.json.stored).toEqual({ version: 2, appliedAt: '2026-01-02T10:00:00.000Z', objects: 11 });
    expect(res.json.pendingChanges).toEqual([]);
    expect(res.json.totalVersions).toBe(2);
    expect(res.json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(res.json.versions[0].changes).toEqual([
      { kind: 'featureView', name: 'user_profile', action: 'add', fields: [] },
      { kind: 'featureView', name: 'user_stats', action: 'change', fields: ['description'] },
    ]);
  });
});
