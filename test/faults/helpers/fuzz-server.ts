/**
 * The API server under fuzzing, in its own process (`node --import tsx --expose-gc fuzz-server.ts`, forked with an
 * IPC channel) so a crash shows as an exit instead of taking the test runner down, and so its RSS is the server's
 * alone, not the fuzzer's generated bodies. The real createServer over the real Redis under a fresh key prefix, a
 * repo folder for offline pushes, and a workflow starter that answers without Temporal.
 *
 * Messages: it sends `{ type: 'ready', url }`, then `{ type: 'logged', message, fields }` for every error the
 * server logs (the server logs every 500 it answers); it answers `{ type: 'rss' }` with `{ type: 'rss', bytes, heapUsed, external }`
 * (measured after a full GC) and `{ type: 'stop' }` by closing, deleting its keys and folder, and exiting 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../../../src/api/logger.js';
import { createServer } from '../../../src/api/server.js';
import { connectOnlineStore } from '../../../src/online/redis-store.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { fakeWorkflowStarter, fuzzRepo } from './fuzz-repo.js';

export type FuzzServerMessage =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'logged'; message: string; fields: Record<string, unknown> }
  | { type: 'rss'; bytes: number; heapUsed: number; external: number };

export type FuzzServerCommand = { type: 'rss' } | { type: 'stop' };

function tell(message: FuzzServerMessage): void {
  process.send?.(message);
}

const url = redisUrl();
const keyPrefix = freshPrefix().replace(/:$/, '');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-fuzz-'));
const repo = fuzzRepo({ url, keyPrefix });
const store = await connectOnlineStore({ url, keyPrefix });
const logger: Logger = {
  info: () => undefined,
  error: (message, fields = {}) => tell({ type: 'logged', message, fields: JSON.parse(JSON.stringify(fields)) as Record<string, unknown> }),
};
const workflows = fakeWorkflowStarter();
const api = createServer({ repo, store, repoDir: dir, logger, workflows });
const { url: base } = await api.listen(0);

let stopping: Promise<void> | undefined;

function stop(): Promise<void> {
  stopping ??= shutDown();
  return stopping;
}

async function shutDown(): Promise<void> {
  await api.close();
  await store.close();
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await cleanupPrefix(redis, `${keyPrefix}:`);
  } finally {
    redis.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
}

process.on('message', (command: FuzzServerCommand) => {
  if (command.type === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    tell({ type: 'rss', bytes: usage.rss, heapUsed: usage.heapUsed, external: usage.external });
  } else if (command.type === 'stop') {
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('fuzz server: stopping failed', err);
        process.exit(1);
      },
    );
  }
});
// The parent went away without saying stop: do not linger.
process.on('disconnect', () => void stop().finally(() => process.exit(0)));

tell({ type: 'ready', url: base, pid: process.pid });
