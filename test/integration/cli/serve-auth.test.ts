// `featureflow serve` with auth and TLS as a real process: --tokens-file is enforced, SIGHUP re-reads the file
// (and, with --workers 2, the primary passes it on instead of dying), an invalid file stops start-up naming the
// entry, no tokens off loopback prints a warning, and --tls-cert/--tls-key serve HTTPS. `tokens create` prints a
// token whose entry the server accepts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { runCli } from '../../helpers/cli.js';
import { freshPrefix, redisUrl } from '../../helpers/redis.js';
import { request } from '../../unit/api/http-client.js';
import { waitForBanner } from '../../helpers/serve-child.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
let config: string;
let tokensFile: string;

interface Created {
  token: string;
  entry: { name: string; sha256: string; scopes: string[] };
}

async function create(name: string, ...scopes: string[]): Promise<Created> {
  const run = await runCli('tokens', 'create', '--name', name, ...scopes.flatMap((s) => ['--scope', s]), '--json');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as Created;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-serve-auth-'));
  config = path.join(dir, 'featureflow.json');
  tokensFile = path.join(dir, 'tokens.json');
  // Nothing here reads Redis (the store connects lazily); the prefix only keeps the config honest.
  writeFileSync(config, JSON.stringify(apiRepoInput({ url: redisUrl(), keyPrefix: freshPrefix().replace(/:$/, '') })));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Served & { started: Promise<string> } {
  const child = spawn(process.execPath, ['bin/featureflow.js', 'serve', '--config', config, '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FEATUREFLOW_TOKENS: '', FEATUREFLOW_TOKENS_FILE: '', ...env },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = waitForBanner(child, () => output, /on (https?:\/\/[\d.]+:\d+)/);
  // Tests that expect a failed start only wait for the exit.
  started.catch(() => undefined);
  return { child, url: '', output: () => output, exited, started };
}

async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const s = start(args, env);
  const url = (await s.started).replace('0.0.0.0', '127.0.0.1');
  return { ...s, url };
}

async function stop(s: Served): Promise<void> {
  s.child.kill('SIGTERM');
  await s.exited;
}

const bearer = (token: string): { headers: Record<string, string> } => ({ headers: { Authorization: `Bearer ${token}` } });

describe('featureflow serve with tokens', () => {
  it.each([[[]], [['--workers', '2']]])('enforces the token file and re-reads it on SIGHUP (%j)', async (extra) => {
    const admin = await create('ops', 'admin');
    const late = await create('late', 'view:user_stats');
    writeFileSync(tokensFile, JSON.stringify({ tokens: [admin.entry] }));
    const served = await serve(['--tokens-file', tokensFile, ...extra]);
    try {
      expect((await request(served.url, 'GET', '/health')).status).toBe(200);
      expect((await request(served.url, 'GET', '/registry')).status).toBe(401);
      expect((await request(served.url, 'GET', '/registry', undefined, bearer(admin.token))).status).toBe(200);
      const read = { features: ['user_stats:clicks'], entities: { user_id: [1] } };
      expect((await request(served.url, 'POST', '/get-online-features', read, bearer(late.token))).status).toBe(401);

      writeFileSync(tokensFile, JSON.stringify({ tokens: [admin.entry, late.entry] }));
      served.child.kill('SIGHUP');
      // 200 needs Redis for the read itself; anything but 401/403 shows the token was let in.
      await expect
        .poll(async () => (await request(served.url, 'POST', '/get-online-features', read, bearer(late.token))).status, { timeout: 20_000 })
        .not.toBe(401);
      expect((await request(served.url, 'GET', '/registry', undefined, bearer(late.token))).status).toBe(403);
      expect([served.child.exitCode, served.child.signalCode]).toEqual([null, null]);
    } finally {
      await stop(served);
    }
  });

  it('refuses to start with an invalid token file, naming the entry', async () => {
    writeFileSync(tokensFile, JSON.stringify({ tokens: [{ name: 'x', sha256: 'f'.repeat(64), scopes: ['root'] }] }));
    const s = start(['--tokens-file', tokensFile]);
    expect(await s.exited).toBe(1);
    expect(s.output()).toContain('tokens[0].scopes[0]');
  });

  it('takes inline tokens from FEATUREFLOW_TOKENS', async () => {
    const admin = await create('ops', 'admin');
    const served = await serve([], { FEATUREFLOW_TOKENS: JSON.stringify({ tokens: [admin.entry] }) });
    try {
      expect((await request(served.url, 'GET', '/metrics')).status).toBe(401);
      expect((await request(served.url, 'GET', '/metrics', undefined, bearer(admin.token))).status).toBe(200);
    } finally {
      await stop(served);
    }
  });

  it('warns when it listens beyond loopback without tokens', async () => {
    const served = await serve(['--host', '0.0.0.0']);
    try {
      expect(served.output()).toContain('WARNING: listening on 0.0.0.0 without API tokens');
    } finally {
      await stop(served);
    }
    const local = await serve([]);
    try {
      expect(local.output()).not.toContain('WARNING');
    } finally {
      await stop(local);
    }
  });
});

describe('featureflow serve with TLS', () => {
  it('serves https with --tls-cert and --tls-key', async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    // openssl is on the machine (/usr/bin/openssl); a P-256 key is quick to make.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    const served = await serve(['--tls-cert', cert, '--tls-key', key]);
    try {
      expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(`${served.url}/health`, { ca: readFileSync(cert), agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      await stop(served);
    }
  });

  it('refuses a certificate without its key', async () => {
    const s = start(['--tls-cert', path.join(dir, 'cert.pem')]);
    expect(await s.exited).toBe(2);
    expect(s.output()).toContain('--tls-key');
  });
});
