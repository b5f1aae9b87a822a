// REDIS_URL sends a CLI command to another Redis than the repo's onlineStore.url: a watermark reset writes to the
// server REDIS_URL names (a standalone one, then a cluster) and nothing to the repo's. The repo points at the
// shared Redis under a fresh prefix, REDIS_URL at servers this file starts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { runCli } from '../../helpers/cli.js';
import { OwnRedis, startCluster } from '../../helpers/own-redis.js';
import { freshPrefix, redisUrl } from '../../helpers/redis.js';

const prefix = freshPrefix().replace(/:$/, '');
const project = apiRepoInput().project as string;
let dir: string;
let config: string;
let shared: RedisOnlineStore;
const servers: OwnRedis[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ff-redis-url-'));
  config = path.join(dir, 'featureflow.json');
  await writeFile(config, JSON.stringify(apiRepoInput({ url: redisUrl(), keyPrefix: prefix })));
  shared = await connectOnlineStore({ url: redisUrl(), keyPrefix: prefix });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(async () => {
  // Nothing was written under the prefix in the shared Redis (the tests check it), so there is nothing to delete.
  await shared.close();
  await Promise.all(servers.map((s) => s.dispose()));
  await rm(dir, { recursive: true, force: true });
});

const reset = (time: string) => runCli('watermarks', 'reset', 'user_stats', time, '--config', config, '--json');

describe('REDIS_URL', () => {
  it('sends a CLI command to the Redis it names instead of the repo URL', async () => {
    const own = await OwnRedis.create();
    servers.push(own);
    vi.stubEnv('REDIS_URL', own.url);
    const result = await reset('2024-05-01T00:00:00Z');
    expect(result.code, result.err).toBe(0);
    const there = await connectOnlineStore({ url: own.url, keyPrefix: prefix });
    try {
      expect((await there.getWatermark(project, 'user_stats'))?.end).toBe('2024-05-01T00:00:00.000Z');
    } finally {
      await there.close();
    }
    expect(await shared.getWatermarks(project)).toEqual(new Map());
    const list = await runCli('watermarks', 'list', '--config', config, '--json');
    expect(list.out).toContain('2024-05-01T00:00:00.000Z');
  });

  it('reaches a Redis Cluster given as redis+cluster:// seed nodes', async () => {
    const nodes = await startCluster();
    servers.push(...nodes);
    vi.stubEnv('REDIS_URL', `redis+cluster://127.0.0.1:${nodes[0]!.port},127.0.0.1:${nodes[1]!.port}`);
    const result = await reset('2024-05-02T00:00:00Z');
    expect(result.code, result.err).toBe(0);
    const there = await connectOnlineStore({ keyPrefix: prefix, cluster: { nodes: [{ host: '127.0.0.1', port: nodes[2]!.port }] } });
    try {
      expect((await there.getWatermark(project, 'user_stats'))?.end).toBe('2024-05-02T00:00:00.000Z');
    } finally {
      await there.close();
    }
    expect(await shared.getWatermarks(project)).toEqual(new Map());
  });

  it('stops a command before it connects when malformed, naming it with the password masked', async () => {
    vi.stubEnv('REDIS_URL', 'redis://app:hunter2@cache.internal:port/0');
    const result = await reset('2024-05-03T00:00:00Z');
    expect(result.code).toBe(1);
    expect(result.err).toContain('REDIS_URL="redis://app:***@cache.internal:port/0" is not a Redis URL: not a URL');
    expect(result.err).not.toContain('hunter2');
    expect(await shared.getWatermarks(project)).toEqual(new Map());
  });
});
