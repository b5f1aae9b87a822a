/**
 * Which Redis a repo's online store connects to. REDIS_URL, when set and not empty, overrides the repo's
 * onlineStore.url for every command and process, so one repo config can run against dev, staging and production
 * Redis; every connection made for a repo goes through connectRepoStore so none can forget the override.
 *
 * Besides `redis://` and `rediss://` URLs, both places accept a Redis Cluster as seed nodes:
 * `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://` for TLS). The password of either form
 * never appears in a message or a log line.
 */
import type { ClusterNode, RedisOptions } from 'ioredis';
import { z } from 'zod';
import type { Repo } from '../registry/schema.js';
import type { OnlineStoreOptions } from './connection.js';
import { InvalidOnlineStoreConfigError } from './errors.js';
import { connectOnlineStore, type RedisOnlineStore } from './redis-store.js';

export const REDIS_URL_VARIABLE = 'REDIS_URL';

export interface OnlineStoreTarget {
  /** What connectOnlineStore needs to reach it: a URL or cluster seed nodes. */
  connection: Pick<OnlineStoreOptions, 'url' | 'cluster'>;
  /** The URL with any password masked, for logs. */
  display: string;
  from: typeof REDIS_URL_VARIABLE | 'onlineStore.url';
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/@?#]+)\/?$/i;
const EXPECTED = 'expected redis://[user:password@]host[:port][/db], rediss://..., or redis+cluster://host:port,host:port';

/** `redis://user:secret@host` -> `redis://user:***@host`; works on text no URL parser accepts, e.g. a cluster URL. */
export function maskRedisPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

function parseNode(text: string): ClusterNode | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!match) return undefined;
  const port = match[2] === undefined ? 6379 : Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

function decodeUserinfo(userinfo: string | undefined): Pick<RedisOptions, 'username' | 'password'> {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(':');
  const username = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** A cluster URL's seed nodes and shared client options, or a reason it is not one. */
function clusterConnection(text: string): Pick<OnlineStoreOptions, 'cluster'> | string {
  const match = CLUSTER_URL.exec(text);
  if (!match) return 'a cluster URL takes no path or query';
  const nodes: ClusterNode[] = [];
  for (const part of (match[3] as string).split(',')) {
    const node = parseNode(part);
    if (!node) return `"${part}" is not host:port`;
    nodes.push(node);
  }
  let auth: Pick<RedisOptions, 'username' | 'password'>;
  try {
    auth = decodeUserinfo(match[2]);
  } catch {
    return 'the user or password is not valid percent-encoding';
  }
  const tls = (match[1] as string).toLowerCase() === 'rediss';
  return { cluster: { nodes, redisOptions: { ...auth, ...(tls ? { tls: {} } : {}) } } };
}

function standaloneProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `scheme "${url.protocol}" is not redis: or rediss:`;
  if (!url.hostname) return 'no host';
  if (!/^(\/\d*)?$/.test(url.pathname)) return `path "${url.pathname}" is not a database number`;
  return undefined;
}

const isCluster = (text: string): boolean => /^rediss?\+cluster:/i.test(text);

/** REDIS_URL checked strictly: a typo there would otherwise send a whole deployment to the wrong place. */
const RedisUrlSchema = z.string().transform((text, ctx): Pick<OnlineStoreOptions, 'url' | 'cluster'> => {
  const trimmed = text.trim();
  if (isCluster(trimmed)) {
    const cluster = clusterConnection(trimmed);
    if (typeof cluster !== 'string') return cluster;
    ctx.addIssue({ code: 'custom', message: cluster });
    return z.NEVER;
  }
  const problem = standaloneProblem(trimmed);
  if (problem === undefined) return { url: trimmed };
  ctx.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

export function parseRedisUrl(text: string, name: string): Pick<OnlineStoreOptions, 'url' | 'cluster'> {
  const parsed = RedisUrlSchema.safeParse(text);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new InvalidOnlineStoreConfigError(`${name}="${maskRedisPassword(text)}" is not a Redis URL: ${reason} (${EXPECTED})`);
}

/** REDIS_URL when set and not empty, else the repo's onlineStore.url (passed on as written unless a cluster URL). */
export function resolveOnlineStoreTarget(
  onlineStore: Pick<Repo['onlineStore'], 'url'>,
  env: NodeJS.ProcessEnv = process.env,
): OnlineStoreTarget {
  const fromEnv = env.REDIS_URL;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { connection: parseRedisUrl(fromEnv, REDIS_URL_VARIABLE), display: maskRedisPassword(fromEnv.trim()), from: REDIS_URL_VARIABLE };
  }
  const url = onlineStore.url;
  // The repo's URL was accepted before REDIS_URL existed (ioredis also takes forms such as a socket path): only a
  // cluster URL, which ioredis cannot read, is parsed here.
  const connection = isCluster(url) ? parseRedisUrl(url, 'onlineStore.url') : { url };
  return { connection, display: maskRedisPassword(url), from: 'onlineStore.url' };
}

/** "redis://:***@host:6379/0 (from REDIS_URL)": which Redis is in use, for start-up lines. */
export function describeOnlineStoreTarget(target: OnlineStoreTarget): string {
  return `${target.display} (from ${target.from})`;
}

/** The one way commands and processes connect a repo's online store (see the module comment). */
export function connectRepoStore(
  onlineStore: Repo['onlineStore'],
  options: Omit<OnlineStoreOptions, 'url' | 'cluster' | 'keyPrefix'> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedisOnlineStore> {
  const target = resolveOnlineStoreTarget(onlineStore, env);
  return connectOnlineStore({ ...options, ...target.connection, keyPrefix: onlineStore.keyPrefix });
}
