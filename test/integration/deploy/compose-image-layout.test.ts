// The Dockerfile's layout without Docker: the package in one folder, the repo mounted in another (/app and /repo in
// the image), and /node_modules/featureflow linking to the package so a TypeScript repo config can
// `import ... from 'featureflow'`. Rebuilt here in a temp folder, with the example config as the mounted repo.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../unit/deploy/compose-file.js';

const roots: string[] = [];

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A temp folder with the example config in repo/ and, if asked, node_modules/featureflow linking to the package. */
function layout(link: boolean): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ff-image-layout-'));
  roots.push(root);
  const repo = path.join(root, 'repo');
  mkdirSync(repo);
  copyFileSync(path.join(ROOT, 'examples/fraud/featureflow.config.ts'), path.join(repo, 'featureflow.config.ts'));
  if (link) {
    mkdirSync(path.join(root, 'node_modules'));
    symlinkSync(ROOT, path.join(root, 'node_modules', 'featureflow'));
  }
  return repo;
}

function featureflow(repo: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/featureflow.js'), ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('the image layout', () => {
  it('cannot load a mounted TypeScript config importing featureflow without the /node_modules link', async () => {
    const repo = layout(false);
    const result = await featureflow(repo, ['plan', '--skip-data-check'], { FEATUREFLOW_CONFIG: repo });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("Cannot find module 'featureflow'");
  });

  it('loads it through FEATUREFLOW_CONFIG once node_modules/featureflow above the repo links to the package', async () => {
    const repo = layout(true);
    const result = await featureflow(repo, ['plan', '--skip-data-check'], { FEATUREFLOW_CONFIG: repo, REDIS_URL: 'redis://redis:6379/0' });
    expect(result.output).toContain('+ featureView user_stats');
    expect(result.code).toBe(0);
  });
});
