// `featureflow watermarks` without Redis: parsing, names checked before connecting, and the printed table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWatermarksArgs, resetReport, watermarkRows, watermarksReport } from '../../../src/cli/commands/watermarks.js';
import { FeatureflowError } from '../../../src/registry/errors.js';
import { apiRepo, apiRepoInput } from '../../helpers/api-repo.js';
import { runCli } from '../../helpers/cli.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ff-cli-watermarks-'));
  config = path.join(dir, 'featureflow.json');
  // Port 1: nothing listens there, so any attempt to reach Redis would fail with ONLINE_STORE_UNAVAILABLE.
  await writeFile(config, JSON.stringify(apiRepoInput({ url: 'redis://127.0.0.1:1/0', keyPrefix: 'ff' })));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function usageError(args: string[]): string {
  try {
    parseWatermarksArgs(args, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(FeatureflowError);
    expect((err as FeatureflowError).code).toBe('USAGE');
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${args.join(' ')}`);
}

describe('featureflow watermarks arguments', () => {
  it('reads list with its options', () => {
    expect(parseWatermarksArgs(['list'], NOW)).toEqual({ action: 'list', config: undefined, json: false });
    expect(parseWatermarksArgs(['list', '--json', '-c', 'repo.json'], NOW)).toEqual({ action: 'list', config: 'repo.json', json: true });
  });

  it('reads reset VIEW TIME as UTC unless TIME has a zone, and "now" as now', () => {
    const at = (time: string): Date | undefined => {
      const parsed = parseWatermarksArgs(['reset', 'user_stats', time], NOW);
      return parsed.action === 'reset' ? parsed.end : undefined;
    };
    expect(at('2024-04-30')?.toISOString()).toBe('2024-04-30T00:00:00.000Z');
    expect(at('2024-04-30T10:00:00+02:00')?.toISOString()).toBe('2024-04-30T08:00:00.000Z');
    const now = parseWatermarksArgs(['reset', 'user_stats', 'now'], Date.now());
    expect(now.action === 'reset' && now.end instanceof Date).toBe(true);
  });

  it('reads reset VIEW --clear and reset VIEW none as deleting the watermark', () => {
    const clear = { action: 'reset', config: undefined, json: false, view: 'user_stats', end: undefined };
    expect(parseWatermarksArgs(['reset', 'user_stats', '--clear'], NOW)).toEqual(clear);
    expect(parseWatermarksArgs(['reset', 'user_stats', 'none'], NOW)).toEqual(clear);
  });

  it('refuses a TIME later than now plus the allowed clock skew, naming both', () => {
    expect(parseWatermarksArgs(['reset', 'v', '2024-05-01T12:04:00Z'], NOW).action).toBe('reset');
    let error: unknown;
    try {
      parseWatermarksArgs(['reset', 'v', '2099-01-01'], NOW);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'END_IN_FUTURE' });
    expect((error as Error).message).toContain('TIME 2099-01-01T00:00:00.000Z is later than now (2024-05-01T12:00:00.000Z)');
  });

  it('refuses missing, extra and contradictory arguments as usage errors', () => {
    expect(usageError([])).toContain('missing list or reset');
    expect(usageError(['show'])).toContain('unknown action "show"');
    expect(usageError(['list', 'user_stats'])).toContain('unexpected argument "user_stats"');
    expect(usageError(['list', '--clear'])).toContain('--clear only goes with reset');
    expect(usageError(['reset'])).toContain('missing VIEW');
    expect(usageError(['reset', 'user_stats'])).toContain('missing TIME');
    expect(usageError(['reset', 'user_stats', '2024-01-01', '--clear'])).toContain('not both');
    expect(usageError(['reset', 'user_stats', 'yesterday'])).toContain('TIME: "yesterday" is not an ISO-8601');
    expect(usageError(['reset', 'a', '2024-01-01', 'b'])).toContain('unexpected argument "b"');
    expect(usageError(['list', '--force'])).toContain("Unknown option '--force'");
  });
});

describe('featureflow watermarks', () => {
  it('prints its help, and is listed in the commands', async () => {
    const help = await runCli('watermarks', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('featureflow watermarks reset VIEW TIME');
    expect((await runCli('--help')).out).toMatch(/watermarks +list \| reset VIEW TIME/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli('watermarks', 'reset', 'user_stats')).code).toBe(2);
  });

  it('refuses an unknown or offline view before connecting to Redis, listing the online views', async () => {
    const unknown = await runCli('watermarks', 'reset', 'usr_stats', '2024-01-01', '--config', config);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown feature view "usr_stats"; online views: user_stats, user_profile, merchant_stats, pair_stats [NOT_FOUND]');
    const offline = await runCli('watermarks', 'reset', 'archive', '--clear', '--config', config);
    expect(offline.err).toContain('feature view "archive" has online: false, so it has no watermark');
    expect(offline.err).toContain('[VIEW_NOT_ONLINE]');
  });
});

describe('the watermarks table', () => {
  const repo = apiRepo();
  const stored = new Map([
    ['user_stats', { watermark: { end: '2099-01-01T00:00:00.000Z', at: '2024-05-01T11:00:00.000Z', newestEvent: '2024-05-01T10:59:00.000Z' } }],
    ['merchant_stats', { watermark: { end: '2024-05-01T11:00:00.000Z', at: '2024-05-01T11:00:05.000Z' } }],
    ['old_view', { unreadable: 'garbage', problem: 'stored watermark of "old_view" is not JSON: "garbage"' }],
  ]);

  it('lists every online view, flags a future end, and shows stored watermarks of views the repo no longer has', () => {
    const rows = watermarkRows(repo, stored, NOW);
    expect(rows.map((r) => r.view)).toEqual(['user_stats', 'user_profile', 'merchant_stats', 'pair_stats', 'old_view']);
    expect(rows[0]).toEqual({
      view: 'user_stats',
      end: '2099-01-01T00:00:00.000Z',
      at: '2024-05-01T11:00:00.000Z',
      newestEvent: '2024-05-01T10:59:00.000Z',
      future: true,
      inRepo: true,
    });
    expect(rows[1]).toMatchObject({ view: 'user_profile', end: null, future: false });
    expect(rows[2]).toMatchObject({ view: 'merchant_stats', future: false, newestEvent: null });
    expect(rows[4]).toMatchObject({ view: 'old_view', inRepo: false, problem: expect.stringContaining('not JSON') });
    const text = watermarksReport('demo', rows);
    expect(text).toContain('Watermarks of project "demo"');
    expect(text).toMatch(/user_stats +2099-01-01T00:00:00.000Z +2024-05-01T11:00:00.000Z +2024-05-01T10:59:00.000Z +in the future/);
    expect(text).toMatch(/user_profile +none +- +- +next run starts from the default/);
    expect(text).toMatch(/old_view +unreadable .*not in the repo; stored watermark of "old_view" is not JSON/);
  });

  it('prints a reset as old -> new and says where the next run starts', () => {
    expect(resetReport('user_stats', '2099-01-01T00:00:00.000Z', '2024-05-01T00:00:00.000Z')).toBe(
      'user_stats: 2099-01-01T00:00:00.000Z -> 2024-05-01T00:00:00.000Z\nThe next materialize-incremental of "user_stats" starts from 2024-05-01T00:00:00.000Z.',
    );
    expect(resetReport('user_stats', null, null)).toContain("user_stats: none -> none\nThe next materialize-incremental of \"user_stats\" starts from the view's default");
  });
});
