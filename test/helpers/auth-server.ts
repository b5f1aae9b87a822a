// A server with auth on, shared by the auth integration test and the auth fuzzer: the API test repo plus a push
// source, an on-demand view and a service using it, the in-memory store (writes accepted), and a token file in a
// temporary folder with one token per kind of scope.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTokenSource, type TokenSource } from '../../src/api/auth/token-source.js';
import { newToken, tokenDigest } from '../../src/api/auth/tokens.js';
import { silentLogger, type Logger } from '../../src/api/logger.js';
import { createServer, type ApiServer } from '../../src/api/server.js';
import type { ViewLayout, WriteResult } from '../../src/online/types.js';
import { RepoSchema, type Repo } from '../../src/registry/schema.js';
import { apiRepoInput } from './api-repo.js';
import { FakeOnlineStore } from './fake-online-store.js';

/** The in-memory store, accepting writes (auth tests only care that a write got through). */
export class WritableFakeStore extends FakeOnlineStore {
  override async writeRows(_layout?: ViewLayout, _schemaId?: string, rows?: readonly unknown[]): Promise<WriteResult> {
    return { written: rows?.length ?? 0, skippedOlder: 0, skippedExpired: 0 };
  }
}

export function authRepo(): Repo {
  const input = apiRepoInput();
  return RepoSchema.parse({
    ...input,
    sources: [...(input.sources ?? []), { name: 'live', type: 'push', batchSource: 'events' }],
    featureViews: [...(input.featureViews ?? []), { name: 'live_stats', entities: ['user'], source: 'live', schema: [{ name: 'score', dtype: 'float64' }] }],
    onDemandFeatureViews: [
      {
        name: 'derived',
        sources: ['user_stats'],
        request: [{ name: 'amount', dtype: 'float64' }],
        schema: [{ name: 'ratio', dtype: 'float64' }],
        transform: { ratio: 'amount / nullif(avg_amount, 0)' },
      },
    ],
    featureServices: [...(input.featureServices ?? []), { name: 'scoring', features: { derived: ['ratio'] } }],
  });
}

/** Token name -> scopes: one token per kind of scope the tests exercise. */
export const TOKEN_SCOPES = {
  admin: ['admin'],
  fraud: ['service:fraud_v1'],
  stats: ['view:user_stats'],
  derivedOnly: ['view:derived'],
  scoring: ['service:scoring'],
  allViews: ['view:*'],
  writer: ['write:live_stats'],
  writeAll: ['write:*'],
} as const;

export type TokenName = keyof typeof TOKEN_SCOPES;

export function tokenFileText(tokens: Record<string, string>, scopes: Record<string, readonly string[]>): string {
  const entries = Object.entries(tokens).map(([name, token]) => ({ name, sha256: tokenDigest(token).toString('hex'), scopes: scopes[name] }));
  return `${JSON.stringify({ tokens: entries }, null, 2)}\n`;
}

export interface AuthServer {
  api: ApiServer;
  url: string;
  repo: Repo;
  store: WritableFakeStore;
  source: TokenSource;
  tokens: Record<TokenName, string>;
  tokenFile: string;
  dir: string;
  close(): Promise<void>;
}

export async function startAuthServer(
  options: { tls?: { cert: string | Buffer; key: string | Buffer }; pollIntervalMs?: number; logger?: Logger } = {},
): Promise<AuthServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-auth-'));
  const tokens = Object.fromEntries(Object.keys(TOKEN_SCOPES).map((name) => [name, newToken()])) as Record<TokenName, string>;
  const tokenFile = path.join(dir, 'tokens.json');
  writeFileSync(tokenFile, tokenFileText(tokens, TOKEN_SCOPES));
  const logger = options.logger ?? silentLogger;
  const source = openTokenSource({ file: tokenFile, logger, pollIntervalMs: options.pollIntervalMs ?? 0 }) as TokenSource;
  const repo = authRepo();
  const store = new WritableFakeStore();
  const api = createServer({ repo, store, logger, auth: source, ...(options.tls ? { tls: options.tls } : {}) });
  const { url } = await api.listen(0);
  return {
    api,
    url,
    repo,
    store,
    source,
    tokens,
    tokenFile,
    dir,
    async close() {
      await api.close();
      source.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
