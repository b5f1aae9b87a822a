/**
 * The package as a user gets it: `npm pack` (its prepack script is `npm run build`), `npm install` of the tarball
 * into an empty folder, then the installed command, every entry point on plain Node and under TypeScript, a
 * featureflow.config.ts repo, and a worker whose workflow bundle is built from the installed dist/ running a
 * materializing backfill against a real dev server and Redis. Slow by nature: it installs every dependency.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { duKib, installedBin, mib, run, runOk, startUntil, stop } from './installed.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const INSTALL_TIMEOUT = 900_000;

/** Each entry point and one export that proves it is the module we mean. */
const ENTRY_POINTS: Record<string, string> = {
  featureflow: 'defineProject',
  'featureflow/engine': 'openEngine',
  'featureflow/online': 'connectOnlineStore',
  'featureflow/materialize': 'materialize',
  'featureflow/client': 'connectClient',
  'featureflow/worker': 'createFeatureflowWorker',
  'featureflow/workflows': 'backfill',
  'featureflow/api': 'createServer',
};

const prefix = freshPrefix();
let tmp: string;
let app: string;
let pkg: string;
let config: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ff-pack-'));
  const packDir = path.join(tmp, 'pack');
  mkdirSync(packDir);
  await runOk('npm', ['pack', '--pack-destination', packDir], REPO_ROOT);
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball in ${packDir}`);

  // A user's project: no "type" field, so it is CommonJS by default, as most are.
  app = path.join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'ff-pack-user', version: '1.0.0', private: true }));
  await runOk('npm', ['install', path.join(packDir, tarball), '--prefer-offline', '--no-audit', '--no-fund'], app);
  pkg = path.join(app, 'node_modules', 'featureflow');

  const packages = readdirSync(path.join(app, 'node_modules')).length;
  console.log(
    `featureflow package: tarball ${(statSync(path.join(packDir, tarball)).size / 1024).toFixed(0)} KiB; ` +
      `installed node_modules/featureflow ${mib(await duKib(pkg))}, whole node_modules ` +
      `${mib(await duKib(path.join(app, 'node_modules')))} (${packages} top-level entries)`,
  );

  mkdirSync(path.join(app, 'repo', 'data'), { recursive: true });
  writeFileSync(
    path.join(app, 'repo', 'data', 'clicks.csv'),
    'user_id,event_timestamp,clicks\n1,2026-01-01T00:00:00Z,3\n2,2026-01-01T01:00:00Z,5\n',
  );
  config = writeRepoConfig('featureflow.config.ts', `${prefix}ff`);
}, INSTALL_TIMEOUT);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A tiny repo over data/clicks.csv, as a user writes it (importing `featureflow`); its path. */
function writeRepoConfig(file: string, keyPrefix: string): string {
  const target = path.join(app, 'repo', file);
  writeFileSync(
    target,
    `import { defineEntity, defineFeatureView, defineProject, defineSource } from 'featureflow';

const user = defineEntity({ name: 'user', joinKeys: ['user_id'], valueType: 'int64' });
const clicks = defineSource({ name: 'clicks', type: 'file', path: 'data/clicks.csv' });
const userClicks = defineFeatureView({
  name: 'user_clicks', entities: [user], source: clicks, ttl: 0, schema: [{ name: 'clicks', dtype: 'int64' }],
});
export default defineProject({
  project: 'pkgtest',
  onlineStore: { url: ${JSON.stringify(redisUrl())}, keyPrefix: ${JSON.stringify(keyPrefix)} },
  entities: [user], sources: [clicks], featureViews: [userClicks],
});
`,
  );
  return target;
}

describe('the packed package', () => {
  it('ships the compiled code, its types and its Lua scripts, not the TypeScript sources', () => {
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string } | string>;
    };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      expect(existsSync(path.join(pkg, target.default)), `${entry} -> ${target.default}`).toBe(true);
      expect(existsSync(path.join(pkg, target.types)), `${entry} -> ${target.types}`).toBe(true);
    }
    expect(existsSync(path.join(pkg, 'dist', 'online', 'lua', 'write-newer.lua'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'online', 'lua', 'advance-watermark.lua'))).toBe(true);
    expect(existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(existsSync(path.join(pkg, 'test'))).toBe(false);
  });

  it('runs `npx featureflow --help` on plain Node', async () => {
    const { code, out } = await run('npx', ['featureflow', '--help'], app);
    expect(code).toBe(0);
    expect(out).toContain('usage: featureflow <command> [options]');
    expect(out).toMatch(/^ {2}worker +run a Temporal worker/m);
  });

  it('loads every entry point on plain Node, WORKFLOWS_PATH naming the built workflows', async () => {
    const script = `
      const entries = ${JSON.stringify(ENTRY_POINTS)};
      const found = {};
      for (const [spec, name] of Object.entries(entries)) found[spec] = typeof (await import(spec))[name];
      found.WORKFLOWS_PATH = (await import('featureflow/worker')).WORKFLOWS_PATH;
      console.log(JSON.stringify(found));`;
    const { out } = await runOk(process.execPath, ['--input-type=module', '-e', script], app);
    const found = JSON.parse(out) as Record<string, string>;
    for (const spec of Object.keys(ENTRY_POINTS)) expect(found[spec], spec).toBe('function');
    expect(found.WORKFLOWS_PATH).toBe(path.join(pkg, 'dist', 'workflows', 'index.js'));
  });

  it('gives a TypeScript user real types for the entry points', async () => {
    writeFileSync(
      path.join(app, 'consumer.mts'),
      `import { defineEntity, defineProject } from 'featureflow';
import { WORKFLOWS_PATH } from 'featureflow/worker';
import { connectClient } from 'featureflow/client';

const user = defineEntity({ name: 'user', joinKeys: ['user_id'] });
export const project: string = defineProject({ project: 'typed', entities: [user] }).project;
export const workflows: string = WORKFLOWS_PATH;
export const connect: typeof connectClient = connectClient;
// @ts-expect-error joinKeys is a list: this line compiling would mean the types are missing (any)
defineEntity({ name: 'bad', joinKeys: 'user_id' });
`,
    );
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['consumer.mts'],
      }),
    );
    const { code, out, err } = await run(process.execPath, [TSC, '-p', app], app);
    expect(`${out}${err}`).toBe('');
    expect(code).toBe(0);
  });

  it('plans a featureflow.config.ts repo that imports featureflow', async () => {
    const { code, out, err } = await run(installedBin(app), ['plan', '--config', config], app);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('+ featureView user_clicks');
    expect(out).toContain('Plan: 4 to add, 0 to change, 0 to remove.');
  });
});

describe('a worker from the installed package', () => {
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  let env: TestWorkflowEnvironment | undefined;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    await redis.connect();
    env = await startDevServer();
  });

  afterAll(async () => {
    if (worker) await stop(worker);
    await env?.teardown();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('bundles the built workflows and runs a materializing backfill into Redis', async () => {
    if (!env) throw new Error('dev server did not start');
    const temporal = ['--address', env.address, '--task-queue', `ff-pack-${prefix.split(':')[1]}`];
    const bin = installedBin(app);
    worker = await startUntil(bin, ['worker', '--config', config, ...temporal, '--threads', '1'], { cwd: app, ready: /polling task queue/ });

    const backfill = await run(bin, ['backfill', 'user_clicks', '2026-01-01', '2026-01-02', '--materialize', '--wait', '--config', config, ...temporal], app);
    expect(backfill.err).not.toMatch(/error/i);
    expect(backfill.code).toBe(0);
    expect(backfill.out).toMatch(/Backfill of user_clicks done: 1\/1 chunks/);
    expect(await redis.get(`${prefix}ff:pkgtest:{i1}:user_clicks`)).toMatch(/;\[3\]$/);
    expect(await redis.get(`${prefix}ff:pkgtest:{i2}:user_clicks`)).toMatch(/;\[5\]$/);

    expect(await stop(worker)).toBe(0);
    worker = undefined;
  });

  it("runs examples/custom-worker: Featureflow's workflows and activities beside the team's own", async () => {
    if (!env) throw new Error('dev server did not start');
    // The example as a user copies it into an ESM project, its own keys apart from the backfill's above.
    const dir = path.join(app, 'custom-worker');
    cpSync(path.join(REPO_ROOT, 'examples', 'custom-worker'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const customConfig = writeRepoConfig('custom.config.ts', `${prefix}custom`);
    const taskQueue = `ff-pack-custom-${prefix.split(':')[1]}`;
    worker = await startUntil(process.execPath, ['--import', 'tsx', path.join(dir, 'worker.ts')], {
      cwd: app,
      ready: /custom worker: polling/,
      env: { FEATUREFLOW_CONFIG: customConfig, FEATUREFLOW_TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: env.address },
    });

    const report = await env.client.workflow.execute('refreshAndReport', {
      taskQueue,
      workflowId: `ff-pack-refresh-${prefix.split(':')[1]}`,
      args: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }],
    });
    expect(report).toMatch(/^materialized 2026-01-01.*\nuser_clicks: read 2 rows, wrote 2 keys$/);
    expect(await redis.get(`${prefix}custom:pkgtest:{i1}:user_clicks`)).toMatch(/;\[3\]$/);

    expect(await stop(worker)).toBe(0);
    worker = undefined;
  });
});
