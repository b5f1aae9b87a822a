// `featureflow freshness` without Redis: help, usage errors, names checked before connecting, and the table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshnessReport } from '../../../src/cli/commands/freshness.js';
import type { FreshnessEntry } from '../../../src/workflows/contracts/check-freshness.js';
import { freshnessRepoInput } from '../freshness/freshness-repo.js';
import { runCli } from '../../helpers/cli.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ff-cli-freshness-'));
  config = path.join(dir, 'featureflow.json');
  // Port 1: nothing listens there, so any attempt to reach Redis would fail with ONLINE_STORE_UNAVAILABLE.
  await writeFile(config, JSON.stringify({ ...freshnessRepoInput(), onlineStore: { url: 'redis://127.0.0.1:1/0', keyPrefix: 'ff' } }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = runCli;

describe('featureflow freshness', () => {
  it('prints its help with the exit codes', async () => {
    const { code, out } = await cli('freshness', '--help');
    expect(code).toBe(0);
    expect(out).toContain('usage: featureflow freshness [--config FILE] [--views a,b] [--json]');
    expect(out).toContain('Exit code: 0 when no view is stale, 3 when at least one is');
  });

  it('refuses an empty view name and extra arguments as usage errors (exit 2)', async () => {
    expect((await cli('freshness', '--config', config, '--views', 'user_stats,')).code).toBe(2);
    const extra = await cli('freshness', '--config', config, 'user_stats');
    expect(extra.code).toBe(2);
    expect(extra.err).toContain('unexpected argument "user_stats"');
  });

  it('refuses unknown and offline views before connecting to Redis (exit 1)', async () => {
    const unknown = await cli('freshness', '--config', config, '--views', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown feature view "nope"');
    expect(unknown.err).toContain('[NOT_FOUND]');
    const offline = await cli('freshness', '--config', config, '--views', 'archive');
    expect(offline.err).toContain('[VIEW_NOT_ONLINE]');
  });

  it('fails with the store error when Redis cannot be reached (exit 1)', async () => {
    const down = await cli('freshness', '--config', config);
    expect(down.code).toBe(1);
    expect(down.err).toContain('[ONLINE_STORE_UNAVAILABLE]');
  });

  it('prints a table with durations people read, and a summary line', () => {
    const entry = (view: string, over: Partial<FreshnessEntry>): FreshnessEntry => ({
      view,
      status: 'fresh',
      stalenessSeconds: 90,
      maxStalenessSeconds: 3600,
      newestEventTime: '2024-05-01T11:58:30.000Z',
      lastMaterializedAt: '2024-05-01T11:59:00.000Z',
      sinceLastMaterializationSeconds: 60,
      checkedAt: '2024-05-01T12:00:00.000Z',
      lastAlert: null,
      ...over,
    });
    const text = freshnessReport('shop', '2024-05-01T12:00:00.000Z', [
      entry('user_stats', { status: 'stale', stalenessSeconds: 7500, lastAlert: { status: 'stale', at: '2024-05-01T11:00:00.000Z' } }),
      entry('merchant_stats', { maxStalenessSeconds: null }),
      entry('pair_stats', {
        status: 'unknown',
        stalenessSeconds: null,
        newestEventTime: null,
        lastMaterializedAt: null,
        sinceLastMaterializationSeconds: null,
      }),
    ]);
    expect(text.split('\n')).toEqual([
      'Freshness of project "shop" at 2024-05-01T12:00:00.000Z: 1 stale view',
      '',
      'view            status   staleness  max  newest event              last materialized                  last alert',
      '--------------  -------  ---------  ---  ------------------------  ---------------------------------  ----------------------------------',
      'user_stats      stale    2h 5m      1h   2024-05-01T11:58:30.000Z  2024-05-01T11:59:00.000Z (1m ago)  breach at 2024-05-01T11:00:00.000Z',
      'merchant_stats  fresh    1m 30s     -    2024-05-01T11:58:30.000Z  2024-05-01T11:59:00.000Z (1m ago)  -',
      'pair_stats      unknown  -          1h   -                         never                              -',
    ]);
    expect(freshnessReport('shop', '2024-05-01T12:00:00.000Z', [])).toBe('Project "shop" has no online views.');
  });
});
