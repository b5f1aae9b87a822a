// Reading docker-compose.yml the way Compose does: `docker-compose config` (v1) or `docker compose config` (v2)
// validates it, interpolates ${VAR:-default}s and merges the YAML anchors, so the tests check what would run.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const Port = z.object({ published: z.union([z.number(), z.string()]).optional(), target: z.number() });
const Service = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  container_name: z.string().optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string().nullable()).default({}),
  ports: z.array(Port).default([]),
  volumes: z.array(z.union([z.string(), z.object({ source: z.string().optional(), target: z.string() })])).default([]),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
  healthcheck: z.object({ test: z.array(z.string()).optional(), disable: z.boolean().optional() }).optional(),
});
export const ComposeConfig = z.object({ services: z.record(z.string(), Service), volumes: z.record(z.string(), z.unknown()).optional() });
export type ComposeConfig = z.infer<typeof ComposeConfig>;
export type ComposeService = z.infer<typeof Service>;

/** Settings a developer's shell may hold; cleared so the file's own defaults are what gets checked. */
const OVERRIDABLE = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'FEATUREFLOW_TASK_QUEUE', 'TEMPORAL_UI_URL', 'FEATUREFLOW_REPO', 'POSTGRES_PASSWORD'];

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The Compose command here, or an error saying how setup installs one. */
export function composeCommand(): string[] {
  if (onPath('docker-compose')) return ['docker-compose'];
  if (onPath('docker') && spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  throw new Error(
    'neither docker-compose nor the docker compose plugin is installed: `node scripts/setup.mjs` installs ' +
      'docker-compose with apt-get when it runs as root (or: apt-get install docker-compose)',
  );
}

/** Runs `config` on docker-compose.yml and returns its output parsed as JSON. */
export function composeConfig(): unknown {
  const [cmd, ...pre] = composeCommand();
  const env = { ...process.env };
  for (const name of OVERRIDABLE) delete env[name];
  const v2 = pre.length > 0;
  const res = spawnSync(cmd!, [...pre, '-f', 'docker-compose.yml', 'config', ...(v2 ? ['--format', 'json'] : [])], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`${[cmd, ...pre].join(' ')} config failed (${res.status}): ${res.stderr}`);
  if (v2) return JSON.parse(res.stdout);
  // v1 prints YAML only; it is a Python program with PyYAML, so python3 with yaml is there to turn it into JSON.
  const json = spawnSync('python3', ['-c', 'import json,sys,yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: res.stdout,
    encoding: 'utf8',
  });
  if (json.status !== 0) throw new Error(`could not parse the output of docker-compose config as YAML: ${json.stderr}`);
  return JSON.parse(json.stdout);
}

/** The services running the Featureflow image (built from this repo's Dockerfile). */
export function featureflowServices(config: ComposeConfig): [string, ComposeService][] {
  return Object.entries(config.services).filter(([, s]) => s.build !== undefined || s.image?.startsWith('featureflow'));
}

/** `host:port` or URL -> port number. */
export function portOf(address: string): number {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return Number(url.port);
}

export function publishedPorts(service: ComposeService): { published: number; target: number }[] {
  return service.ports.map((p) => ({ published: Number(p.published), target: p.target }));
}

export function volumeTargets(service: ComposeService): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service.volumes) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      out.set(target!, source!);
    } else {
      out.set(v.target, v.source ?? '');
    }
  }
  return out;
}
