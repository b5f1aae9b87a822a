/** `featureflow materialize` and `materialize-incremental` through the CLI entry point, against a real Redis. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/engine/database.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { runCli } from '../../helpers/cli.js';

const prefix = freshPrefix();
const raw = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
const HOUR = 3_600_000;
const base = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
let dir: string;
let config: string;

beforeAll(async () => {
  await raw.connect();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-cli-mat-'));
  const db = await Database.open({ threads: 1 });
  await db.withConnection((c) =>
    c.run(`COPY (SELECT (i % 5)::BIGINT AS user_id,
                        CAST('${new Date(base).toISOString()}' AS TIMESTAMPTZ) + to_hours(i::BIGINT) AS event_timestamp,
                        i AS clicks
                 FROM range(20) t(i)) TO '${path.join(dir, 'stats.parquet')}' (FORMAT parquet)`),
  );
  db.close();
  config = path.join(dir, 'featureflow.json');
  writeFileSync(config, JSON.stringify({
    project: 'climat',
    onlineStore: { url: redisUrl(), keyPrefix: `${prefix}ff` },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'src', type: 'file', path: 'stats.parquet' }],
    featureViews: [{ name: 'stats', entities: ['user'], source: 'src', ttl: '7d', schema: [{ name: 'clicks', dtype: 'int64' }] }],
  }));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanupPrefix(raw, prefix);
  raw.disconnect();
});

const cli = runCli;

describe('materialize commands', () => {
  it('materializes a range and reports its counts', async () => {
    const start = new Date(base).toISOString();
    const end = new Date(base + 10 * HOUR).toISOString();
    const { code, out } = await cli('materialize', '--config', config, start, end, '--views', 'stats');
    expect(code).toBe(0);
    expect(out).toMatch(/stats: \[.*\) read 5, wrote 5, skipped 0 older and 0 expired/);
    const stored = await raw.get(`${prefix}ff:climat:{i4}:stats`);
    expect(stored).toMatch(/;\[9\]$/);
  });

  it('continues incrementally from the recorded end, then finds nothing to do', async () => {
    const end = new Date(base + 20 * HOUR).toISOString();
    const first = await cli('materialize-incremental', '--config', config, end);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/stats: \[.*\) read 5, wrote 5/);
    expect(await raw.get(`${prefix}ff:climat:{i4}:stats`)).toMatch(/;\[19\]$/);
    const again = await cli('materialize-incremental', '--config', config, end);
    expect(again.out).toMatch(/Nothing to materialize/);
  });

  it('names a bad date and a reversed range', async () => {
    const bad = await cli('materialize', '--config', config, 'yesterday', '2024-01-01');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/START: "yesterday" is not an ISO-8601 date/);
    const reversed = await cli('materialize', '--config', config, '2024-01-02', '2024-01-01');
    expect(reversed.err).toMatch(/START .* must be before END/);
  });
});
