import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { FRAUD_JSON, writeFraudData } from '../../fixtures/repos/helpers.js';

let dir: string;
let config: string;
let out: string[];
let err: string[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'featureflow-cli-'));
  config = path.join(dir, 'featureflow.json');
  await copyFile(FRAUD_JSON, config);
  await writeFraudData(dir);
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI and returns its exit code; output is collected in `out` and `err`. */
async function cli(...args: string[]): Promise<number> {
  out = [];
  err = [];
  return main(args);
}

async function editConfig(edit: (repo: Record<string, any>) => void): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const repo = JSON.parse(await readFile(config, 'utf8'));
  edit(repo);
  await writeFile(config, JSON.stringify(repo));
}

describe('featureflow plan and apply', () => {
  it('print their help', async () => {
    for (const command of ['plan', 'apply', 'registry']) {
      expect(await cli(command, '--help')).toBe(0);
      expect(out.join('\n')).toContain(`usage: featureflow ${command}`);
    }
  });

  it('plan shows everything as added before the first apply, and writes nothing', async () => {
    expect(await cli('plan', '--config', config)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('+ project fraud\n+ entity user\n+ source transactions\n+ featureView user_stats');
    expect(text).toContain('Plan: 6 to add, 0 to change, 0 to remove.');
    expect(await cli('registry', 'list', '--config', config)).toBe(0);
    expect(out).toEqual(['The registry is empty: run "featureflow apply" first.']);
  });

  it('apply stores a version, then finds nothing to do', async () => {
    expect(await cli('apply', '-c', config)).toBe(0);
    expect(out.join('\n')).toMatch(/\+ featureService fraud_v1\n\nPlan: 6 to add.*\n\nApplied registry version 1$/);
    expect(await cli('apply', '-c', config)).toBe(0);
    expect(out).toEqual(['No changes.']);
    expect(await cli('plan', '-c', dir)).toBe(0);
    expect(out).toEqual(['No changes.']);
  });

  it('plan and apply show field changes', async () => {
    await cli('apply', '--config', config);
    await editConfig((repo) => (repo.featureViews[0].ttl = '3d'));
    expect(await cli('plan', '--config', config)).toBe(0);
    expect(out.join('\n')).toBe('~ featureView user_stats\n    ttl: "2d" -> "3d"\n\nPlan: 0 to add, 1 to change, 0 to remove.');
    expect(await cli('apply', '--config', config)).toBe(0);
    expect(out.at(-1)).toBe('\nApplied registry version 2');
  });

  it('refuse an invalid repo and list every problem', async () => {
    await editConfig((repo) => {
      repo.featureViews[0].ttl = 'soon';
      repo.featureViews[0].entities = ['customer'];
    });
    expect(await cli('apply', '--config', config)).toBe(1);
    const text = err.join('\n');
    expect(text).toContain('repo "fraud" (');
    expect(text).toContain('is invalid (2 problems):');
    expect(text).toContain('featureViews[0].ttl: "soon" is not a duration');
    expect(text).toContain('featureViews[0].entities[0]: unknown entity "customer"; known entities: user');
    expect(text).toContain('[INVALID_DEFINITION]');
  });

  it('report a missing config and stray arguments', async () => {
    expect(await cli('plan', '--config', path.join(dir, 'nope.ts'))).toBe(1);
    expect(err.join('\n')).toContain(`repo config ${path.join(dir, 'nope.ts')} does not exist [CONFIG_NOT_FOUND]`);
    expect(await cli('plan', 'extra', '--config', config)).toBe(2);
    expect(err.join('\n')).toContain('unexpected argument "extra"');
    expect(await cli('apply', '--verbose')).toBe(2);
  });
});

describe('featureflow registry', () => {
  beforeEach(async () => {
    await cli('apply', '--config', config);
  });

  it('lists the stored objects as a table', async () => {
    expect(await cli('registry', 'list', '--config', config)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAME\s+VERSION\s+UPDATED$/);
    expect(lines).toHaveLength(7);
    expect(lines[4]).toMatch(/^featureView\s+user_stats\s+1\s+\d{4}-\d\d-\d\dT/);
    expect(await cli('registry', 'list', '--kind', 'featureview', '--config', config)).toBe(0);
    expect(out.join('\n').split('\n')).toHaveLength(3);
  });

  it('shows one stored object as JSON', async () => {
    expect(await cli('registry', 'show', 'user_stats', '--config', config)).toBe(0);
    const object = JSON.parse(out.join('\n'));
    expect(object).toMatchObject({ kind: 'featureView', name: 'user_stats', version: 1, spec: { ttl: '2d' } });
  });

  it('asks for --kind when a name is used by several kinds', async () => {
    await editConfig((repo) => repo.entities.push({ name: 'transactions', joinKeys: ['txn_id'] }));
    await cli('apply', '--config', config);
    expect(await cli('registry', 'show', 'transactions', '--config', config)).toBe(2);
    expect(err.join('\n')).toContain('"transactions" names an entity and a source: add --kind entity or --kind source');
    expect(await cli('registry', 'show', 'transactions', '--kind', 'source', '--config', config)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ kind: 'source', spec: { type: 'file' } });
  });

  it('names the stored objects when the name is unknown', async () => {
    expect(await cli('registry', 'show', 'user_statz', '--config', config)).toBe(1);
    expect(err.join('\n')).toContain('no stored object named "user_statz"; stored: project fraud, entity user,');
    expect(err.join('\n')).toContain('[NOT_FOUND]');
    expect(await cli('registry', 'show', 'user_stats', '--kind', 'bogus', '--config', config)).toBe(2);
  });

  it('prints the history of applies', async () => {
    await editConfig((repo) => {
      repo.featureViews[0].ttl = '3d';
      repo.featureServices = [];
    });
    await cli('apply', '--config', config);
    expect(await cli('registry', 'history', '--config', config)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^version 1 \(applied .*\)\n  \+ project fraud\n/);
    expect(text).toMatch(/version 2 \(applied .*\)\n  ~ featureView user_stats\n      ttl: "2d" -> "3d"\n  - featureService fraud_v1$/);
  });

  it('rejects a missing or unknown subcommand', async () => {
    expect(await cli('registry', '--config', config)).toBe(2);
    expect(err.join('\n')).toContain('missing subcommand');
    expect(await cli('registry', 'drop', '--config', config)).toBe(2);
    expect(await cli('registry', 'show', '--config', config)).toBe(2);
    expect(err.join('\n')).toContain('registry show takes one NAME');
  });
});

describe('checking the repo against its data', () => {
  it('plan names a source it cannot read, and --skip-data-check plans without reading', async () => {
    await rm(path.join(dir, 'data'), { recursive: true, force: true });
    expect(await cli('plan', '--config', config)).toBe(1);
    expect(err.join('\n')).toMatch(/sources\[0\]: cannot read source "transactions"/);
    expect(await cli('plan', '--config', config, '--skip-data-check')).toBe(0);
  });
});
