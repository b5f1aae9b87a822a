import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FeatureflowError,
  loadRepo,
  loadValidatedRepo,
  resolveRepoPath,
  validateRepo,
  ValidationError,
} from '../../../src/registry/index.js';
import { FRAUD_JSON, FRAUD_TS, specRepo } from '../../fixtures/repos/helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'featureflow-load-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<FeatureflowError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FeatureflowError);
  return err as FeatureflowError;
}

describe('loading a repo config', () => {
  it('loads the TypeScript and the JSON form of the SPEC example to the same repo', async () => {
    const fromTs = await loadRepo(FRAUD_TS);
    const fromJson = await loadRepo(FRAUD_JSON);
    expect(fromTs.repo).toEqual(fromJson.repo);
    expect(fromJson.repo).toEqual(await validateRepo(specRepo()));
    expect(fromTs.repoDir).toBe(path.dirname(FRAUD_TS));
    expect(fromTs.configPath).toBe(FRAUD_TS);
  });

  it('accepts a folder for --config and prefers featureflow.config.ts there', async () => {
    await writeFile(path.join(dir, 'featureflow.json'), JSON.stringify({ project: 'from_json' }));
    expect((await loadRepo(dir)).repo.project).toBe('from_json');
    await writeFile(path.join(dir, 'featureflow.config.ts'), "const name: string = 'from_ts';\nexport default { project: name };\n");
    const loaded = await loadRepo(undefined, { cwd: dir });
    expect(loaded.repo.project).toBe('from_ts');
    expect(loaded.configPath).toBe(path.join(dir, 'featureflow.config.ts'));
  });

  it('resolves a relative --config against the working folder', async () => {
    await mkdir(path.join(dir, 'repo'));
    await writeFile(path.join(dir, 'repo', 'ff.json'), JSON.stringify({ project: 'rel' }));
    const loaded = await loadRepo('repo/ff.json', { cwd: dir });
    expect(loaded.repoDir).toBe(path.join(dir, 'repo'));
  });

  it('takes a named `repo` export from an .mts or .mjs module', async () => {
    await writeFile(path.join(dir, 'repo.mts'), "export const repo = { project: 'named' as const };\n");
    await writeFile(path.join(dir, 'plain.mjs'), "export const repo = { project: 'plain_js' };\n");
    expect((await loadRepo(path.join(dir, 'repo.mts'))).repo.project).toBe('named');
    expect((await loadRepo(path.join(dir, 'plain.mjs'))).repo.project).toBe('plain_js');
    // No package.json here, so tsx compiles this one to CommonJS; the named export must still be found.
    await writeFile(path.join(dir, 'cjs.ts'), "export const repo = { project: 'cjs_named' };\n");
    expect((await loadRepo(path.join(dir, 'cjs.ts'))).repo.project).toBe('cjs_named');
  });

  it('turns a JSON syntax error into a ValidationError naming the file and the position', async () => {
    const file = path.join(dir, 'featureflow.json');
    await writeFile(file, '{\n  "project": "fraud",\n}\n');
    const err = await failure(loadRepo(file));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('INVALID_DEFINITION');
    expect(err.message).toContain(`repo file ${file} is invalid (1 problem)`);
    expect(err.message).toMatch(/\(root\): not valid JSON: .*line 3, column 1/);
  });

  it('reports a missing named config with the path tried', async () => {
    const err = await failure(loadRepo(path.join(dir, 'nope.json')));
    expect(err.code).toBe('CONFIG_NOT_FOUND');
    expect(err.message).toContain(path.join(dir, 'nope.json'));
  });

  it('reports a folder without a config with both default names tried', async () => {
    const err = await failure(loadRepo(undefined, { cwd: dir }));
    expect(err.code).toBe('CONFIG_NOT_FOUND');
    expect(err.message).toContain(path.join(dir, 'featureflow.config.ts'));
    expect(err.message).toContain(path.join(dir, 'featureflow.json'));
  });

  it('names the file in validation problems', async () => {
    await writeFile(path.join(dir, 'featureflow.json'), JSON.stringify({ project: 'p', entities: [{ name: 'u' }] }));
    const err = await failure(loadRepo(undefined, { cwd: dir }));
    expect(err.message).toContain('repo "p" (featureflow.json) is invalid (1 problem):\n  entities[0].joinKeys: is required');
  });

  it('reports a module without a repo export, a module that throws, and an unknown extension', async () => {
    await writeFile(path.join(dir, 'empty.ts'), 'export const unrelated = 1;\n');
    await writeFile(path.join(dir, 'throws.ts'), "throw new Error('boom');\n");
    await writeFile(path.join(dir, 'repo.yaml'), 'project: p\n');
    expect((await failure(loadRepo(path.join(dir, 'empty.ts')))).message).toContain('the module exports no repo');
    const thrown = await failure(loadRepo(path.join(dir, 'throws.ts')));
    expect(thrown.code).toBe('CONFIG_LOAD_FAILED');
    expect(thrown.message).toContain('boom');
    expect((await failure(loadRepo(path.join(dir, 'repo.yaml')))).code).toBe('CONFIG_UNSUPPORTED');
  });

  it('passes describeSource and the repo folder through to validation', async () => {
    const calls: string[] = [];
    const err = await failure(
      loadValidatedRepo(FRAUD_JSON, {
        describeSource: async (source, repoDir) => {
          calls.push(`${source.name}@${repoDir}`);
          return ['user_id', 'event_timestamp', 'created_timestamp', 'clicks'];
        },
      }),
    );
    expect(calls).toEqual([`transactions@${path.dirname(FRAUD_JSON)}`]);
    expect(err.message).toContain('featureViews[0].schema[1].name: column "avg_amount" is not in source "transactions"');
  });
});

describe('paths written in a repo', () => {
  it('are relative to the repo folder', () => {
    expect(resolveRepoPath('/repo', 'data/x.parquet')).toBe('/repo/data/x.parquet');
    expect(resolveRepoPath('/repo', '../shared/y.csv')).toBe('/shared/y.csv');
    expect(resolveRepoPath('/repo', '.featureflow/offline')).toBe('/repo/.featureflow/offline');
  });

  it('stay as they are when absolute or a URL', () => {
    expect(resolveRepoPath('/repo', '/data/x.parquet')).toBe('/data/x.parquet');
    expect(resolveRepoPath('/repo', 's3://bucket/events/*.parquet')).toBe('s3://bucket/events/*.parquet');
    expect(resolveRepoPath('/repo', 'https://example.com/x.csv')).toBe('https://example.com/x.csv');
    expect(resolveRepoPath('/repo', 'http://example.com/x.csv')).toBe('http://example.com/x.csv');
  });

  it('are not rewritten when the repo is loaded', async () => {
    const { repo } = await loadRepo(FRAUD_JSON);
    expect(repo.offlineStore.path).toBe('.featureflow/offline');
    expect(repo.sources[0]).toMatchObject({ path: 'data/transactions.parquet' });
  });
});
