/** `featureflow historical` end to end through the CLI entry point, on a JSON repo over a Parquet file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { Database } from '../../../src/engine/database.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-cli-hist-'));
  const db = await Database.open({ threads: 1 });
  await db.withConnection(async (c) => {
    await c.run(`COPY (SELECT * FROM (VALUES
        (1, TIMESTAMPTZ '2024-01-01 10:00:00+00', 5), (1, TIMESTAMPTZ '2024-01-02 10:00:00+00', 6),
        (2, TIMESTAMPTZ '2024-01-01 10:00:00+00', 7)) t(user_id, event_timestamp, clicks))
      TO '${path.join(dir, 'stats.parquet')}' (FORMAT parquet)`);
  });
  db.close();
  writeFileSync(
    path.join(dir, 'entities.csv'),
    'user_id,event_timestamp,label\n2,2024-01-03T00:00:00Z,x\n1,2024-01-02T09:59:59Z,y\n1,2024-01-05T00:00:00Z,z\n',
  );
  writeFileSync(
    path.join(dir, 'featureflow.json'),
    JSON.stringify({
      project: 'cli',
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'stats_src', type: 'file', path: 'stats.parquet' }],
      featureViews: [
        { name: 'stats', entities: ['user'], source: 'stats_src', ttl: '2d', schema: [{ name: 'clicks', dtype: 'int64' }] },
      ],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quietly<T>(fn: () => Promise<T>): Promise<{ result: T; errors: string }> {
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  return fn()
    .then((result) => ({ result, errors: error.mock.calls.map((c) => c.join(' ')).join('\n') }))
    .finally(() => {
      error.mockRestore();
      log.mockRestore();
    });
}

describe('featureflow historical', () => {
  it('writes a point-in-time correct CSV in input order', async () => {
    const out = path.join(dir, 'out.csv');
    const { result } = await quietly(() =>
      main(['historical', '--config', path.join(dir, 'featureflow.json'), '--entities', path.join(dir, 'entities.csv'),
        '--features', 'stats:clicks', '--out', out]),
    );
    expect(result).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'user_id,event_timestamp,label,clicks',
      '2,2024-01-03 00:00:00+00,x,7',
      '1,2024-01-02 09:59:59+00,y,5',
      '1,2024-01-05 00:00:00+00,z,',
    ]);
  });

  it('replaces an output file outside the repo that already exists (DuckDB writes tmp_<name> beside it, then renames)', async () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'ff-cli-hist-out-'));
    const out = path.join(elsewhere, 'out-again.csv');
    writeFileSync(out, 'an older training set\n');
    onTestFinished(() => rmSync(elsewhere, { recursive: true, force: true }));
    const args = ['historical', '--config', path.join(dir, 'featureflow.json'), '--entities', path.join(dir, 'entities.csv'),
      '--features', 'stats:clicks', '--out', out];
    const { result, errors } = await quietly(() => main(args));
    expect(errors).toBe('');
    expect(result).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('user_id,event_timestamp,label,clicks');
  });

  it('names full feature names view__feature', async () => {
    const out = path.join(dir, 'out-full.parquet');
    const { result } = await quietly(() =>
      main(['historical', '--config', path.join(dir, 'featureflow.json'), '--entities', path.join(dir, 'entities.csv'),
        '--features', 'stats:clicks', '--out', out, '--full-feature-names']),
    );
    expect(result).toBe(0);
    const db = await Database.open({ threads: 1 });
    const names = await db.withConnection(async (c) => (await c.runAndReadAll(`SELECT * FROM '${out}'`)).columnNames());
    db.close();
    expect(names).toEqual(['user_id', 'event_timestamp', 'label', 'stats__clicks']);
  });

  it('fails with a usage error naming the missing options', async () => {
    const { result, errors } = await quietly(() => main(['historical', '--config', path.join(dir, 'featureflow.json')]));
    expect(result).toBe(2);
    expect(errors).toMatch(/missing --entities, --features, --out/);
  });

  it('fails naming an unknown feature', async () => {
    const { result, errors } = await quietly(() =>
      main(['historical', '--config', path.join(dir, 'featureflow.json'), '--entities', path.join(dir, 'entities.csv'),
        '--features', 'stats:nope', '--out', path.join(dir, 'x.csv')]),
    );
    expect(result).toBe(1);
    expect(errors).toMatch(/feature view "stats" has no feature "nope"/);
  });

  it('reports a schema field missing from the source with its path', async () => {
    const bad = path.join(dir, 'bad.json');
    const repo = JSON.parse(readFileSync(path.join(dir, 'featureflow.json'), 'utf8'));
    repo.featureViews[0].schema.push({ name: 'avg_amt', dtype: 'float64' });
    writeFileSync(bad, JSON.stringify(repo));
    const { result, errors } = await quietly(() =>
      main(['historical', '--config', bad, '--entities', path.join(dir, 'entities.csv'), '--features', 'stats:clicks',
        '--out', path.join(dir, 'x.csv')]),
    );
    expect(result).toBe(1);
    expect(errors).toMatch(/featureViews\[0\]\.schema\[1\]\.name: .*"avg_amt"/);
  });
});
