/**
 * What the serve benches share: the 10-feature repo, writing its rows straight into Redis, which `featureflow`
 * binary to spawn, and waiting for a spawned `featureflow serve` to be ready.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { viewLayout } from '../../src/online/layout.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { encodeRow } from '../../src/online/stored-value.js';
import { RepoSchema, type RepoInput } from '../../src/registry/schema.js';
import { FEATURES } from './features.js';

/** The service of every feature, for runs that request by service (serving log runs). */
export const BENCH_SERVICE = 'bench_all';

export function repoInput(keyPrefix: string): RepoInput {
  return {
    project: 'bench',
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
    featureViews: [{ name: 'user_stats', entities: ['user'], source: 'events', schema: FEATURES.map(([name, dtype]) => ({ name, dtype })) }],
    featureServices: [{ name: BENCH_SERVICE, features: { user_stats: FEATURES.map(([name]) => name) } }],
  };
}

/** `entities` users with one row each of the 10 features, written as materialization would. */
export async function writeData(input: RepoInput, entities: number): Promise<void> {
  const repo = RepoSchema.parse(input);
  const layout = viewLayout(repo, repo.featureViews[0]!);
  const store = await connectOnlineStore({ url: redisUrl(), keyPrefix: repo.onlineStore.keyPrefix });
  try {
    const schemaId = await store.registerLayout(layout);
    const now = Date.now();
    const rows = Array.from({ length: entities }, (_, i) =>
      encodeRow(layout, [i], new Date(now - (i % 3600) * 1000), null, [
        i % 100, i % 700, i % 10, i % 70, 10.5 + (i % 13), 11.25 + (i % 17), 99.99, 0.5, 'DE', ['a', 'b'],
      ]),
    );
    await store.writeRows(layout, schemaId, rows);
  } finally {
    await store.close();
  }
}

export async function waitReady(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with code ${server.exitCode}`);
    try {
      if ((await fetch(`${url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('server did not become ready within 30 s');
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The compiled CLI (what the package and the Docker image run; tsx's helpers cost the server ~14% of its throughput),
 * relative to the project root; SERVER_FROM_SOURCES=1 runs bin/featureflow.js through tsx instead.
 */
export const SERVER_BIN = process.env['SERVER_FROM_SOURCES'] === '1' ? 'bin/featureflow.js' : 'bin/featureflow-dist.js';

/** Builds dist/ (npm run build) when SERVER_BIN is the compiled CLI and dist/ is missing or older than src/. */
export function buildServerIfStale(): void {
  if (SERVER_BIN !== 'bin/featureflow-dist.js') return;
  const built = path.join(ROOT, 'dist', 'cli', 'main.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
      const p = path.join(dir, e.name);
      return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(path.join(ROOT, 'src'))) return;
  console.log('building dist/ (npm run build) ...');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}
