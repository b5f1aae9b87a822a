// `featureflow drift` without Redis: help, usage errors, names checked before connecting or opening the engine,
// and the text report.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftText } from '../../../src/cli/commands/drift.js';
import { runCli as cli } from '../../helpers/cli.js';
import { CHECKED_AT, driftRepoInput, report } from './drift-repo.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ff-cli-drift-'));
  config = path.join(dir, 'featureflow.json');
  // Port 1: nothing listens there, so any attempt to reach Redis would fail with ONLINE_STORE_UNAVAILABLE.
  await writeFile(config, JSON.stringify({ ...driftRepoInput(), onlineStore: { url: 'redis://127.0.0.1:1/0', keyPrefix: 'ff' } }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('featureflow drift', () => {
  it('prints its help with the exit codes', async () => {
    const { code, out } = await cli('drift', '--help');
    expect(code).toBe(0);
    expect(out).toContain('usage: featureflow drift [--config FILE] [--views a,b] [--json] [--run]');
    expect(out).toContain('Exit code: 0 when no view is at level alert, 3 when at least one is');
  });

  it('refuses an empty view name and extra arguments as usage errors (exit 2)', async () => {
    expect((await cli('drift', '--config', config, '--views', 'user_stats,')).code).toBe(2);
    const extra = await cli('drift', '--config', config, 'user_stats');
    expect(extra.code).toBe(2);
    expect(extra.err).toContain('unexpected argument "user_stats"');
  });

  it('refuses an unknown view, and --run of a view without a reference, before Redis or DuckDB (exit 1)', async () => {
    const unknown = await cli('drift', '--config', config, '--views', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('[NOT_FOUND]');
    const noReference = await cli('drift', '--config', config, '--views', 'merchant_stats', '--run');
    expect(noReference.code).toBe(1);
    expect(noReference.err).toContain('[DRIFT_NOT_CONFIGURED]');
  });

  it('shows each view level, windows and per-feature metrics, and says which views were never checked', () => {
    const text = driftText('shop', [
      { view: 'user_stats', checkedAt: CHECKED_AT, report: report('user_stats', 'alert'), lastAlert: { level: 'alert', at: CHECKED_AT } },
      { view: 'merchant_stats', checkedAt: null, report: null, lastAlert: null },
    ]);
    expect(text).toContain(`user_stats: ALERT (checked at ${CHECKED_AT}; last alert: alert at ${CHECKED_AT})`);
    expect(text).toContain('(10 rows) vs reference 2024-04-01T00:00:00.000Z to 2024-05-01T00:00:00.000Z (100 rows)');
    expect(text).toMatch(/amount\s+alert\s+0\.3000/);
    expect(text).toContain('merchant_stats: not checked yet');
  });
});
