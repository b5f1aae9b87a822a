import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyRepo,
  FeatureflowError,
  listHistory,
  readStoredRegistry,
  registryDir,
  validateRepo,
  type Repo,
} from '../../../src/registry/index.js';
import { specRepo } from '../../fixtures/repos/helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'featureflow-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T1 = new Date('2024-05-01T10:00:00Z');
const T2 = new Date('2024-05-02T10:00:00Z');
const T3 = new Date('2024-05-03T10:00:00Z');

async function repoWith(edit: (raw: ReturnType<typeof specRepo>) => void = () => {}): Promise<Repo> {
  const raw = specRepo();
  edit(raw);
  return validateRepo(raw);
}

describe('the stored registry', () => {
  it('reads back a history whose changes added or removed an optional field', async () => {
    await applyRepo(dir, await repoWith((raw) => ((raw.featureViews[0] as { description?: string }).description = 'first')), T1);
    await applyRepo(dir, await repoWith(), T2);
    await applyRepo(dir, await repoWith((raw) => ((raw.featureViews[0] as { owner?: string }).owner = 'nobody-yet@acme')), T3);
    const history = await listHistory(dir, await repoWith());
    expect(history.map((h) => h.version)).toEqual([1, 2, 3]);
    const removed = history[1]?.changes[0]?.fields.find((f) => f.path.endsWith('description'));
    expect(removed).toMatchObject({ before: 'first' });
    expect(removed?.after).toBeUndefined();
  });

  it('is empty before the first apply', async () => {
    const repo = await repoWith();
    expect(await readStoredRegistry(dir, repo)).toBeUndefined();
    expect(await listHistory(dir, repo)).toEqual([]);
  });

  it('stores version 1 with every object at version 1 under <offlineStore.path>/registry', async () => {
    const repo = await repoWith();
    const result = await applyRepo(dir, repo, T1);
    expect(result.version).toBe(1);
    expect(result.changes).toHaveLength(6);
    const root = path.join(dir, '.featureflow/offline/registry');
    expect(registryDir(dir, repo)).toBe(root);
    expect((await readdir(root)).sort()).toEqual(['history', 'registry.json']);
    expect(await readdir(path.join(root, 'history'))).toEqual(['000001.json']);
    const stored = JSON.parse(await readFile(path.join(root, 'registry.json'), 'utf8'));
    expect(stored).toMatchObject({ project: 'fraud', version: 1, appliedAt: T1.toISOString() });
    expect(stored.objects.map((o: { kind: string; name: string; version: number }) => `${o.kind}:${o.name}@${o.version}`)).toEqual([
      'project:fraud@1',
      'entity:user@1',
      'source:transactions@1',
      'featureView:user_stats@1',
      'featureView:user_txn@1',
      'featureService:fraud_v1@1',
    ]);
    expect(stored.objects[3].spec).toMatchObject({ name: 'user_stats', ttl: '2d', online: true });
    expect(await readStoredRegistry(dir, repo)).toEqual(stored);
  });

  it('writes nothing when nothing changed', async () => {
    const repo = await repoWith();
    await applyRepo(dir, repo, T1);
    const root = registryDir(dir, repo);
    const before = await readFile(path.join(root, 'registry.json'), 'utf8');
    expect(await applyRepo(dir, await repoWith(), T2)).toEqual({ version: 1, changes: [] });
    expect(await readFile(path.join(root, 'registry.json'), 'utf8')).toBe(before);
    expect(await readdir(path.join(root, 'history'))).toEqual(['000001.json']);
  });

  it('bumps the registry and only the changed objects on each apply', async () => {
    await applyRepo(dir, await repoWith(), T1);
    const changed = await repoWith((r) => (r.featureViews[0].ttl = '3d'));
    const result = await applyRepo(dir, changed, T2);
    expect(result).toEqual({
      version: 2,
      changes: [{ kind: 'featureView', name: 'user_stats', action: 'change', fields: [{ path: 'ttl', before: '2d', after: '3d' }] }],
    });
    const stored = await readStoredRegistry(dir, changed);
    expect(stored?.version).toBe(2);
    expect(stored?.appliedAt).toBe(T2.toISOString());
    const byName = new Map(stored?.objects.map((o) => [o.name, o]));
    expect(byName.get('user_stats')).toMatchObject({ version: 2, updatedAt: T2.toISOString() });
    expect(byName.get('user_txn')).toMatchObject({ version: 1, updatedAt: T1.toISOString() });
  });

  it('drops removed objects from the registry but keeps them in history', async () => {
    await applyRepo(dir, await repoWith(), T1);
    await applyRepo(dir, await repoWith((r) => (r.featureViews[0].ttl = '3d')), T2);
    const smaller = await repoWith((r) => {
      r.featureViews[0].ttl = '3d';
      r.featureViews.pop();
    });
    expect((await applyRepo(dir, smaller, T3)).changes).toEqual([
      { kind: 'featureView', name: 'user_txn', action: 'remove', fields: [] },
    ]);
    const stored = await readStoredRegistry(dir, smaller);
    expect(stored?.objects.map((o) => o.name)).not.toContain('user_txn');

    const history = await listHistory(dir, smaller);
    expect(history.map((h) => [h.version, h.appliedAt, h.changes.length])).toEqual([
      [1, T1.toISOString(), 6],
      [2, T2.toISOString(), 1],
      [3, T3.toISOString(), 1],
    ]);
    expect(history[0]?.registry.objects.map((o) => o.name)).toContain('user_txn');
    expect(history[2]?.registry).toEqual(stored);
  });

  it('leaves no temporary files behind', async () => {
    const repo = await repoWith();
    await applyRepo(dir, repo, T1);
    await applyRepo(dir, await repoWith((r) => (r.featureViews[0].ttl = '1d')), T2);
    const root = registryDir(dir, repo);
    const names = [...(await readdir(root)), ...(await readdir(path.join(root, 'history')))];
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('recovers from an apply that crashed between its history file and registry.json', async () => {
    const repo = await repoWith();
    await applyRepo(dir, repo, T1);
    const orphan = path.join(registryDir(dir, repo), 'history', '000002.json');
    await writeFile(orphan, '{"half": ');
    expect((await listHistory(dir, repo)).map((h) => h.version)).toEqual([1]);
    const changed = await repoWith((r) => (r.featureViews[0].ttl = '3d'));
    expect((await applyRepo(dir, changed, T2)).version).toBe(2);
    expect(JSON.parse(await readFile(orphan, 'utf8'))).toMatchObject({ version: 2 });
  });

  it('refuses a damaged registry.json instead of overwriting it', async () => {
    const repo = await repoWith();
    await applyRepo(dir, repo, T1);
    const file = path.join(registryDir(dir, repo), 'registry.json');
    await writeFile(file, '{"project": "fraud"');
    await expect(readStoredRegistry(dir, repo)).rejects.toMatchObject({ code: 'REGISTRY_CORRUPT' });
    await writeFile(file, '{"project": "fraud", "version": "one"}');
    const err = await applyRepo(dir, repo, T2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeatureflowError);
    expect((err as FeatureflowError).message).toContain('is damaged (version:');
  });

  it('honours an absolute offline store path', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    const repo = await repoWith((r) => (r.offlineStore.path = elsewhere));
    await applyRepo(path.join(dir, 'repo'), repo, T1);
    expect(await readdir(path.join(elsewhere, 'registry'))).toContain('registry.json');
  });
});
