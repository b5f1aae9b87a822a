/** `featureflow stats` from the command line on a local store: the table, JSON, snapshots and the HTML page. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-stats-cli-'));
  const lines = ['user_id,ts,amount,country'];
  // Two days; the second day's amounts are shifted up, and its countries differ.
  for (let i = 0; i < 96; i++) {
    const day = i < 48 ? '01' : '02';
    const hour = String(Math.floor((i % 48) / 2)).padStart(2, '0');
    const amount = i < 48 ? (i % 10) + 1 : (i % 10) + 20;
    const country = i % 5 === 0 ? '' : i < 48 ? ['fr', 'de', 'fr', 'it'][i % 4] : ['us', 'fr'][i % 2];
    lines.push(`${i % 4},2024-01-${day}T${hour}:${i % 2 === 0 ? '00' : '30'}:00Z,${amount},${country}`);
  }
  writeFileSync(path.join(dir, 'events.csv'), `${lines.join('\n')}\n`);
  config = path.join(dir, 'featureflow.json');
  writeFileSync(
    config,
    JSON.stringify({
      project: 'statscli',
      offlineStore: { path: 'offline' },
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'events', type: 'file', path: 'events.csv', timestampField: 'ts' }],
      featureViews: [{ name: 'payments', entities: ['user'], source: 'events', schema: [{ name: 'amount', dtype: 'float64' }, { name: 'country', dtype: 'string' }] }],
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const day1 = ['--start', '2024-01-01T00:00:00Z', '--end', '2024-01-02T00:00:00Z'];
const day2 = ['--start', '2024-01-02T00:00:00Z', '--end', '2024-01-03T00:00:00Z'];

describe('featureflow stats', () => {
  it('prints a table with a row per feature', async () => {
    const run = await runCli('stats', 'payments', ...day1, '--config', config);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('Statistics of view "payments" over 2024-01-01T00:00:00.000Z – 2024-01-02T00:00:00.000Z: 48 rows');
    expect(run.out).toMatch(/amount\s+float64\s+48/);
    expect(run.out).toMatch(/country\s+string/);
  }, 60_000);

  it('prints the stats as JSON', async () => {
    const run = await runCli('stats', 'payments', ...day2, '--json', '--config', config);
    const stats = JSON.parse(run.out) as { rows: number; features: Array<{ feature: string; min?: number; max?: number }> };
    expect(stats.rows).toBe(48);
    expect(stats.features.find((f) => f.feature === 'amount')).toMatchObject({ min: 20, max: 29 });
  }, 60_000);

  it('stores a snapshot and draws it behind the current range in the HTML page, one svg per feature', async () => {
    const snap = await runCli('stats', 'snapshot', 'payments', 'day1', ...day1, '--config', config);
    expect(snap.code).toBe(0);
    expect(snap.out).toContain('Stored snapshot "day1"');
    const out = path.join(dir, 'stats.html');
    const run = await runCli('stats', 'payments', ...day2, '--html', out, '--snapshot', 'day1', '--config', config);
    expect(run.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('snapshot &#34;day1&#34;');
    expect(html).toContain('aria-label="histogram of amount"');
    expect(html).toContain('aria-label="top values of country"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  }, 60_000);

  it('draws a reference range too, and refuses a reference without --html', async () => {
    const out = path.join(dir, 'ref.html');
    const run = await runCli('stats', 'payments', ...day2, '--html', out, '--reference-start', '2024-01-01T00:00:00Z', '--reference-end', '2024-01-02T00:00:00Z', '--config', config);
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('reference');
    const bad = await runCli('stats', 'payments', ...day2, '--snapshot', 'day1', '--config', config);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('drawn with --html only');
  }, 60_000);

  it('names a missing snapshot', async () => {
    const run = await runCli('stats', 'payments', ...day2, '--html', path.join(dir, 'x.html'), '--snapshot', 'nope', '--config', config);
    expect(run.code).toBe(1);
    expect(run.err).toContain('no statistics snapshot "nope"');
    expect(run.err).toContain('[STATS_MISSING]');
  }, 60_000);
});
