// Which Redis a repo's online store connects to: REDIS_URL over the repo's onlineStore.url, checked, password
// masked; and no command or process in src connecting any other way.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeOnlineStoreTarget,
  maskRedisPassword,
  parseRedisUrl,
  resolveOnlineStoreTarget,
} from '../../../src/online/store-target.js';
import { featureflowErrorOf } from '../../helpers/failure.js';

const repo = { url: 'redis://repo-host:6379/0' };

const failure = featureflowErrorOf;

describe('resolveOnlineStoreTarget', () => {
  it('uses the repo URL as written when REDIS_URL is unset, empty or blank', () => {
    for (const env of [{}, { REDIS_URL: '' }, { REDIS_URL: '   ' }]) {
      expect(resolveOnlineStoreTarget(repo, env)).toEqual({ connection: { url: repo.url }, display: repo.url, from: 'onlineStore.url' });
    }
    // ioredis also reads forms REDIS_URL does not take, such as a socket path: the repo's stay as they were.
    expect(resolveOnlineStoreTarget({ url: '/run/redis.sock' }, {}).connection).toEqual({ url: '/run/redis.sock' });
  });

  it('lets REDIS_URL override the repo URL, masking its password for logs', () => {
    const target = resolveOnlineStoreTarget(repo, { REDIS_URL: ' rediss://app:s3cret@cache.internal:6380/2 ' });
    expect(target.connection).toEqual({ url: 'rediss://app:s3cret@cache.internal:6380/2' });
    expect(target.from).toBe('REDIS_URL');
    expect(describeOnlineStoreTarget(target)).toBe('rediss://app:***@cache.internal:6380/2 (from REDIS_URL)');
  });

  it('reads a cluster URL as seed nodes, with the shared user, password and TLS', () => {
    const target = resolveOnlineStoreTarget(repo, { REDIS_URL: 'rediss+cluster://app:p%40ss@10.0.0.1:7000,node-b,[::1]:7002' });
    expect(target.connection).toEqual({
      cluster: {
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: 'node-b', port: 6379 },
          { host: '::1', port: 7002 },
        ],
        redisOptions: { username: 'app', password: 'p@ss', tls: {} },
      },
    });
    expect(target.display).toBe('rediss+cluster://app:***@10.0.0.1:7000,node-b,[::1]:7002');
  });

  it('accepts the cluster form in the repo URL too', () => {
    expect(resolveOnlineStoreTarget({ url: 'redis+cluster://a:7000,b:7001' }, {}).connection).toEqual({
      cluster: { nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], redisOptions: {} },
    });
    expect(failure(() => resolveOnlineStoreTarget({ url: 'redis+cluster://a:7000/1' }, {})).message).toContain('onlineStore.url=');
  });

  it('refuses a malformed REDIS_URL, naming the variable and the value without its password', () => {
    const cases: Array<[string, string]> = [
      ['http://u:hunter2@host:6379', 'scheme "http:" is not redis: or rediss:'],
      ['localhost:6379', 'scheme "localhost:" is not redis: or rediss:'],
      ['redis//host', 'not a URL'],
      ['redis://u:hunter2@host:6379/zero', 'path "/zero" is not a database number'],
      ['redis+cluster://u:hunter2@a:7000,b:99999', '"b:99999" is not host:port'],
      ['redis+cluster://u:hunter2@a:7000/0', 'a cluster URL takes no path or query'],
    ];
    for (const [value, reason] of cases) {
      const err = failure(() => resolveOnlineStoreTarget(repo, { REDIS_URL: value }));
      expect(err.code).toBe('INVALID_ONLINE_STORE_CONFIG');
      expect(err.message).toContain(`REDIS_URL="${maskRedisPassword(value)}" is not a Redis URL: ${reason}`);
      expect(err.message).not.toContain('hunter2');
    }
  });
});

describe('parseRedisUrl', () => {
  it('takes redis:// and rediss:// with or without port, credentials and database', () => {
    for (const url of ['redis://h', 'redis://h:6379', 'redis://:pw@h:6379/15', 'rediss://user:pw@h/', 'redis://[::1]:6379']) {
      expect(parseRedisUrl(url, 'REDIS_URL')).toEqual({ url });
    }
  });
});

describe('maskRedisPassword', () => {
  it('hides only the password, also in text no URL parser takes', () => {
    expect(maskRedisPassword('redis://user:pw@h:1/0')).toBe('redis://user:***@h:1/0');
    expect(maskRedisPassword('redis://:pw@h')).toBe('redis://:***@h');
    expect(maskRedisPassword('redis://user@h')).toBe('redis://user@h');
    expect(maskRedisPassword('redis+cluster://u:p:w@a:1,b:2')).toBe('redis+cluster://u:***@a:1,b:2');
    expect(maskRedisPassword('redis://h:6379')).toBe('redis://h:6379');
  });
});

describe('connections made by src', () => {
  it('all go through connectRepoStore, so none can ignore REDIS_URL', async () => {
    const src = path.resolve(import.meta.dirname, '../../../src');
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const direct: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(src, file), 'utf8');
      if (/connectOnlineStore\(\s*[^)\s]|new RedisOnlineStore\(|\.onlineStore\.url\b/.test(text)) direct.push(file.split(path.sep).join('/'));
    }
    // The store itself, the resolution, and GET /registry (which shows the repo's URL, masked).
    expect(direct.sort()).toEqual(['api/routes/registry.ts', 'online/redis-store.ts', 'online/store-target.ts']);
  });
});
