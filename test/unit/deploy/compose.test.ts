// docker-compose.yml and the Dockerfile against the code: Compose accepts the file, every variable set for a
// Featureflow container is one the code reads, and published ports are the code's defaults. No Docker engine is
// needed (`config` only validates).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_UI_URL } from '../../../src/client/connection.js';
import { DEFAULT_PORT } from '../../../src/cli/commands/serve.js';
import { DEFAULT_REDIS_URL } from '../../../src/devtools/redis-url.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { ComposeConfig, composeConfig, featureflowServices, portOf, publishedPorts, ROOT, volumeTargets } from './compose-file.js';

/** Read by Node, not by the code. */
const NODE_VARIABLES = new Set(['NODE_OPTIONS']);

let config: ComposeConfig;
let sources: string;

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

/** Whether `text` reads process.env.NAME (also `?.NAME`, `['NAME']`, and `env.NAME` of a function handed the environment). */
function readsEnv(text: string, name: string): boolean {
  return new RegExp(`\\benv(\\?\\.|\\.)${name}\\b|\\benv\\[['"]${name}['"]\\]`).test(text);
}

beforeAll(async () => {
  config = ComposeConfig.parse(composeConfig());
  // src/devtools serves tests and the demo, never a deployed process: a variable read only there does not count.
  const files = (await tsFiles(path.join(ROOT, 'src'))).filter((f) => !f.includes(`${path.sep}devtools${path.sep}`));
  sources = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
}, 60_000);

describe('docker-compose.yml', () => {
  it('is accepted by Compose and has the whole stack', () => {
    expect(Object.keys(config.services).sort()).toEqual(
      ['api', 'featureflow-init', 'postgresql', 'redis', 'temporal', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('pins every image to a version tag', () => {
    for (const [name, service] of Object.entries(config.services)) {
      if (service.build !== undefined) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:\d[\w.-]*$/);
    }
  });

  it('sets only environment variables the code reads (or Node itself)', () => {
    const services = featureflowServices(config);
    expect(services.map(([name]) => name).sort()).toEqual(['api', 'featureflow-init', 'worker']);
    for (const [name, service] of services) {
      for (const variable of Object.keys(service.environment)) {
        if (NODE_VARIABLES.has(variable)) continue;
        expect(readsEnv(sources, variable), `${name}: ${variable} is not read by the code`).toBe(true);
      }
    }
  });

  it('runs the worker with a 32 MB young generation (stream ingestion) and the others with Node defaults', () => {
    const services = Object.fromEntries(featureflowServices(config));
    expect(services.worker?.environment.NODE_OPTIONS).toBe('--max-semi-space-size=32');
    expect(services.api?.environment.NODE_OPTIONS).toBeUndefined();
  });

  it('publishes the ports the code defaults to', () => {
    const { api, temporal, redis } = config.services;
    const ui = config.services['temporal-ui'];
    expect(publishedPorts(api!)).toEqual([{ published: DEFAULT_PORT, target: DEFAULT_PORT }]);
    expect(api!.environment.FEATUREFLOW_PORT).toBe(String(DEFAULT_PORT));
    expect(api!.environment.FEATUREFLOW_HOST).toBe('0.0.0.0');
    const temporalPort = portOf(DEFAULT_TEMPORAL_ADDRESS);
    expect(publishedPorts(temporal!)).toEqual([{ published: temporalPort, target: temporalPort }]);
    // The UI listens on 8080 inside its container; the host port is the one TEMPORAL_UI_URL links default to.
    expect(publishedPorts(ui!).map((p) => p.published)).toEqual([portOf(DEFAULT_UI_URL)]);
    expect(publishedPorts(redis!).map((p) => p.published)).toEqual([portOf(DEFAULT_REDIS_URL)]);
    for (const [name, service] of featureflowServices(config)) {
      expect(service.environment.TEMPORAL_ADDRESS, name).toBe(`temporal:${temporalPort}`);
      expect(service.environment.TEMPORAL_UI_URL, name).toBe(DEFAULT_UI_URL);
      expect(service.environment.TEMPORAL_NAMESPACE, name).toBe(config.services.temporal!.environment.DEFAULT_NAMESPACE);
    }
  });

  it('shares one offline-store volume, at the default offlineStore.path, between init, workers and the API', () => {
    const offlinePath = RepoSchema.parse({ project: 'p' }).offlineStore.path;
    for (const [name, service] of featureflowServices(config)) {
      const mounts = volumeTargets(service);
      expect(mounts.get('/repo'), name).toBeDefined();
      expect(mounts.get(path.posix.join('/repo', offlinePath)), name).toBe('offline');
      expect(service.environment.FEATUREFLOW_CONFIG, name).toBe('/repo');
    }
    expect(Object.keys(config.volumes ?? {})).toContain('offline');
  });

  it('starts workers and the API after featureflow-init, and init after Temporal is healthy', () => {
    const { worker, api } = config.services;
    const init = config.services['featureflow-init']!;
    expect(init.entrypoint?.join(' ')).toMatch(/featureflow-dist\.js apply && .*featureflow-dist\.js schedules apply/);
    expect(init.depends_on.temporal?.condition).toBe('service_healthy');
    expect(config.services.temporal!.depends_on.postgresql?.condition).toBe('service_healthy');
    for (const service of [worker!, api!]) {
      expect(service.depends_on['featureflow-init']?.condition).toBe('service_completed_successfully');
      expect(service.depends_on.redis?.condition).toBe('service_healthy');
    }
    expect(worker!.depends_on.temporal?.condition).toBe('service_healthy');
    expect(worker!.command).toEqual(['worker']);
    expect(api!.command).toEqual(['serve']);
  });

  it('lets workers scale and gives every long-running service a healthcheck', () => {
    expect(config.services.worker!.container_name).toBeUndefined();
    for (const name of ['postgresql', 'temporal', 'redis', 'worker', 'api']) {
      expect(config.services[name]!.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
  });

  it('keeps Redis data across restarts (append-only file on a volume)', () => {
    const redis = config.services.redis!;
    expect(redis.command).toContain('--appendonly');
    expect(redis.command![redis.command!.indexOf('--appendonly') + 1]).toBe('yes');
    expect(volumeTargets(redis).get('/data')).toBe('redis-data');
  });
});

describe('Dockerfile', () => {
  let dockerfile: string;
  beforeAll(async () => {
    dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  });

  it('builds in stages from a pinned Node 20 bookworm-slim image and runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci\b/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toBe('root');
  });

  it('runs the featureflow CLI, with a healthcheck, configured by variables the code reads', () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/featureflow-dist\.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*deploy\/healthcheck\.mjs/m);
    const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? '';
    const names = [...envBlock.matchAll(/(\w+)=/g)].map((m) => m[1]!).filter((n) => n !== 'NODE_ENV');
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(readsEnv(sources, name), `${name} is not read by the code`).toBe(true);
  });
});
