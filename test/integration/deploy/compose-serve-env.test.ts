// `featureflow serve` configured by environment only, as docker-compose.yml runs it: FEATUREFLOW_PORT and
// FEATUREFLOW_HOST stand in for --port and --host, and the flags still win when given.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { request } from '../../unit/api/http-client.js';
import { ROOT } from '../../unit/deploy/compose-file.js';
import { freePort } from '../../helpers/free-port.js';

let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-serve-env-'));
  config = path.join(dir, 'featureflow.json');
  // Nothing listens on port 1: /health answers without Redis, and nothing is written anywhere.
  writeFileSync(config, JSON.stringify(apiRepoInput({ url: 'redis://127.0.0.1:1/0', keyPrefix: 'ff' })));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs serve until it prints its URL (then checks /health and stops it with SIGTERM) or exits by itself. */
async function serve(args: string[], env: Record<string, string>): Promise<{ url?: string; health?: number; code: number | null; output: string }> {
  const child = spawn(process.execPath, ['bin/featureflow.js', 'serve', '--config', config, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string | undefined>((resolve) => {
    const check = setInterval(() => {
      const match = /project "\w+" on (http:\/\/\S+) /.exec(output);
      if (match || child.exitCode !== null) {
        clearInterval(check);
        resolve(match?.[1]);
      }
    }, 20);
  });
  if (!url) return { code: await exited, output };
  const health = (await request(url, 'GET', '/health')).status;
  child.kill('SIGTERM');
  return { url, health, code: await exited, output };
}

describe('featureflow serve configured by environment', () => {
  it('listens on FEATUREFLOW_HOST:FEATUREFLOW_PORT when no flag names them', async () => {
    const port = await freePort();
    const result = await serve([], { FEATUREFLOW_PORT: String(port), FEATUREFLOW_HOST: '127.0.0.1' });
    expect(result.url, result.output).toBe(`http://127.0.0.1:${port}`);
    expect(result.health).toBe(200);
    expect(result.code).toBe(0);
  });

  it('lets --port and --host override the environment', async () => {
    const port = await freePort();
    const result = await serve(['--port', String(port), '--host', '127.0.0.1'], { FEATUREFLOW_PORT: '1', FEATUREFLOW_HOST: '192.0.2.1' });
    expect(result.url, result.output).toBe(`http://127.0.0.1:${port}`);
    expect(result.health).toBe(200);
  });

  it('refuses a FEATUREFLOW_PORT that is not a port, naming the variable', async () => {
    const result = await serve([], { FEATUREFLOW_PORT: 'http' });
    expect(result.url).toBeUndefined();
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('FEATUREFLOW_PORT must be a whole number from 0 to 65535, got "http"');
  });
});
