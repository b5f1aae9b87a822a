// `featureflow init`: the scaffold is a valid repo named after its folder, its sample data is the same for the same
// day, and a folder with something in it is refused unless --force.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectNameFor, samplePurchasesCsv } from '../../../src/cli/init-template.js';
import { loadRepo } from '../../../src/registry/load.js';
import { runCli } from '../../helpers/cli.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ff-init-unit-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('projectNameFor', () => {
  it.each([
    ['my-shop', 'my_shop'],
    ['Fraud Models', 'fraud_models'],
    ['2024-demo', 'ff_2024_demo'],
    ['--', 'featureflow'],
    ['already_ok', 'already_ok'],
  ])('turns the folder name %j into the valid project name %j', (dir, name) => {
    expect(projectNameFor(dir)).toBe(name);
  });
});

describe('samplePurchasesCsv', () => {
  it('gives the same rows for the same day, all before that day, three per user per day', () => {
    const today = new Date('2026-03-10T00:00:00Z');
    const csv = samplePurchasesCsv(today);
    expect(samplePurchasesCsv(today)).toBe(csv);
    const rows = csv.trim().split('\n').slice(1);
    expect(rows).toHaveLength(7 * 5 * 3);
    const times = rows.map((r) => Date.parse(`${r.split(',')[1]}Z`));
    expect(Math.max(...times)).toBeLessThan(today.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(today.getTime() - 7 * 86_400_000);
  });
});

describe('featureflow init', () => {
  it('writes a repo that loads, named after the folder, and says what to run next', async () => {
    const dir = path.join(root, 'my-shop');
    const run = await runCli('init', dir);
    expect(run.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', 'README.md', 'data', 'featureflow.json']);
    expect(readdirSync(path.join(dir, 'data')).sort()).toEqual(['labels.csv', 'purchases.csv']);
    expect(run.out).toContain('featureflow dev --config');
    const { repo } = await loadRepo(path.join(dir, 'featureflow.json'));
    expect(repo.project).toBe('my_shop');
    expect(repo.onlineStore.keyPrefix).toBe('my_shop');
    expect(repo.featureViews.map((v) => [v.name, v.schedule?.cron, v.freshness?.maxStaleness, v.aggregation !== undefined])).toEqual([
      ['user_last_purchase', '*/15 * * * *', '1h', false],
      ['user_spend', '5 0 * * *', '2d', true],
    ]);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('# my_shop: a Featureflow repo');
  });

  it("writes the entity rows its README's historical command reads, and a training set can be built from them", async () => {
    const dir = path.join(root, 'shop');
    expect((await runCli('init', dir)).code).toBe(0);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('--entities data/labels.csv');
    const labels = readFileSync(path.join(dir, 'data', 'labels.csv'), 'utf8').trim().split('\n');
    expect(labels[0]).toBe('user_id,event_timestamp,label');
    expect(labels).toHaveLength(11);
    const out = path.join(dir, 'training.csv');
    const run = await runCli('historical', '--config', path.join(dir, 'featureflow.json'), '--entities', path.join(dir, 'data', 'labels.csv'),
      '--features', 'user_last_purchase:amount', '--out', out);
    expect(run.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(11);
    // Every user bought something in the week before: the plain view has a value at each label time.
    expect(rows.slice(1).every((r) => r.split(',')[3] !== '')).toBe(true);
  });

  it('refuses a folder that is not empty, and writes into it with --force', async () => {
    writeFileSync(path.join(root, 'notes.txt'), 'mine');
    const refused = await runCli('init', root);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is not empty');
    expect(refused.err).toContain('--force');
    expect(readdirSync(root)).toEqual(['notes.txt']);
    const forced = await runCli('init', root, '--force', '--project', 'forced');
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(root, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await loadRepo(path.join(root, 'featureflow.json'))).repo.project).toBe('forced');
  });

  it('refuses a --project the schema does not accept, naming the problem, before writing anything', async () => {
    const dir = path.join(root, 'fresh');
    const run = await runCli('init', dir, '--project', '9lives');
    expect(run.code).toBe(1);
    expect(run.err).toContain('project');
    expect(readdirSync(root)).toEqual([]);
  });

});
