/** The S3 settings of an offline store: the repo's block, overridden by the standard AWS variables. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpfsExtensionFile } from '../../../src/engine/httpfs.js';
import { offlineLocation } from '../../../src/engine/offline/location.js';
import { duckdbSecretSql, objectUrl, s3Settings } from '../../../src/engine/s3-settings.js';

const repo = (s3?: Record<string, string>) => ({ offlineStore: { path: 's3://bucket/pre/fix', ...(s3 ? { s3 } : {}) } });

describe('s3Settings', () => {
  it('takes the repo block, path style with an endpoint', () => {
    const s = s3Settings(repo({ endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' }), {});
    expect(s).toMatchObject({ region: 'eu-west-1', urlStyle: 'path' });
    expect(s.endpoint?.host).toBe('127.0.0.1:9000');
  });

  it('lets AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and AWS_REGION override the repo', () => {
    const env = { AWS_ENDPOINT_URL: 'http://other:1', AWS_ENDPOINT_URL_S3: 'https://s3.example:443', AWS_REGION: 'ap-south-1' };
    const s = s3Settings(repo({ endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' }), env);
    expect(s.endpoint?.href).toBe('https://s3.example/');
    expect(s.region).toBe('ap-south-1');
  });

  it('defaults to AWS itself: us-east-1, virtual-host style, no endpoint', () => {
    expect(s3Settings(repo(), {})).toEqual({ region: 'us-east-1', urlStyle: 'vhost' });
  });

  it('names the variable of a bad endpoint and a lone key half', () => {
    expect(() => s3Settings(repo(), { AWS_ENDPOINT_URL: 'not a url' })).toThrow(/AWS_ENDPOINT_URL: "not a url" is not a URL/);
    expect(() => s3Settings(repo(), { AWS_ENDPOINT_URL_S3: 'ftp://x' })).toThrow(/AWS_ENDPOINT_URL_S3: .* must start with http/);
    expect(() => s3Settings(repo(), { AWS_ACCESS_KEY_ID: 'k' })).toThrow(/only AWS_ACCESS_KEY_ID is set/);
  });

  it("makes DuckDB's secret with the endpoint as host:port and TLS from the scheme", () => {
    const s = s3Settings(repo({ endpoint: 'http://127.0.0.1:9000' }), { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: "it's" });
    const sql = duckdbSecretSql(s);
    expect(sql).toContain("ENDPOINT '127.0.0.1:9000'");
    expect(sql).toContain('USE_SSL false');
    expect(sql).toContain("SECRET 'it''s'");
  });

  it('builds object URLs for path and virtual-host style', () => {
    expect(objectUrl(s3Settings(repo({ endpoint: 'http://h:9' }), {}), 'b', 'a b/c').href).toBe('http://h:9/b/a%20b/c');
    expect(objectUrl(s3Settings(repo(), {}), 'b', 'k').href).toBe('https://b.s3.us-east-1.amazonaws.com/k');
  });
});

describe('offlineLocation', () => {
  it('splits an s3 store into bucket and prefix, and keeps a local one a folder', () => {
    expect(offlineLocation(repo(), '/r')).toEqual({ kind: 's3', url: 's3://bucket/pre/fix', bucket: 'bucket', prefix: 'pre/fix' });
    expect(offlineLocation({ offlineStore: { path: 's3://bucket/' } }, '/r')).toEqual({ kind: 's3', url: 's3://bucket', bucket: 'bucket', prefix: '' });
    expect(offlineLocation({ offlineStore: { path: 'data/off' } }, '/r')).toEqual({ kind: 'local', dir: '/r/data/off' });
  });
});

describe('httpfsExtensionFile', () => {
  it('finds the build of this DuckDB version in the project venv, or a file or folder named by FEATUREFLOW_DUCKDB_HTTPFS', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ff-httpfs-'));
    try {
      const dir = path.join(root, '.tools/venv/lib/python3.11/site-packages/duckdb_extension_httpfs/extensions/v1.5.5');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'httpfs.duckdb_extension'), '');
      expect(httpfsExtensionFile('v1.5.5', {}, root)).toBe(path.join(dir, 'httpfs.duckdb_extension'));
      expect(httpfsExtensionFile('v1.4.0', {}, root)).toBeUndefined();
      expect(httpfsExtensionFile('v1.5.5', { FEATUREFLOW_DUCKDB_HTTPFS: dir }, root)).toBe(path.join(dir, 'httpfs.duckdb_extension'));
      expect(httpfsExtensionFile('v1.5.5', { FEATUREFLOW_DUCKDB_HTTPFS: '/x/httpfs.duckdb_extension' }, root)).toBe('/x/httpfs.duckdb_extension');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
