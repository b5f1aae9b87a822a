/**
 * A training set's entity file and output may lie outside the repo (they are the requester's own paths): the
 * locked engine cannot reach them itself, so they pass through its temp directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngine, openEngine, type EngineContext } from '../../../src/engine/context.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { engineCanReach, stageEntities, writeTrainingSet } from '../../../src/engine/staging.js';
import { RepoSchema } from '../../../src/registry/schema.js';

let dir: string;
let ctx: EngineContext;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-staging-'));
  mkdirSync(path.join(dir, 'repo'));
  mkdirSync(path.join(dir, 'elsewhere'));
  writeFileSync(path.join(dir, 'repo', 'clicks.csv'), 'user_id,event_timestamp,clicks\n1,2024-01-01 00:00:00+00,5\n');
  writeFileSync(path.join(dir, 'elsewhere', 'labels.csv'), 'user_id,event_timestamp,label\n1,2024-01-02 00:00:00+00,1\n');
  const repo = RepoSchema.parse({
    project: 'staging',
    offlineStore: { path: 'offline' },
    entities: [{ name: 'user', joinKeys: ['user_id'] }],
    sources: [{ name: 'src', type: 'file', path: 'clicks.csv' }],
    featureViews: [{ name: 'v', entities: ['user'], source: 'src', schema: [{ name: 'clicks', dtype: 'int64' }] }],
  });
  ctx = await openEngine(repo, path.join(dir, 'repo'), { threads: 1, memoryLimit: '256MB' });
});
afterAll(() => {
  closeEngine(ctx);
  rmSync(dir, { recursive: true, force: true });
});

describe('staging a training set through the engine temp directory', () => {
  it('the locked engine cannot read an entity file outside the repo by itself', async () => {
    const labels = path.join(dir, 'elsewhere', 'labels.csv');
    expect(engineCanReach(ctx.db, labels)).toBe(false);
    await expect(getHistoricalFeatures(ctx, { path: labels }, ['v:clicks'])).rejects.toThrow(/cannot read entity file/);
  });

  it('reads a staged copy of the entity file and writes the output outside the repo, leaving no staged file', async () => {
    const staged = await stageEntities(ctx.db, { path: path.join(dir, 'elsewhere', 'labels.csv') });
    const out = path.join(dir, 'elsewhere', 'train.csv');
    try {
      const set = await getHistoricalFeatures(ctx, staged.input, ['v:clicks']);
      try {
        await writeTrainingSet(ctx.db, set, out, 'csv');
      } finally {
        set.close();
      }
    } finally {
      await staged.cleanup();
    }
    expect(readFileSync(out, 'utf8')).toMatch(/^user_id,event_timestamp,label,clicks\n1,.*,1,5\n$/);
    expect(existsSync((staged.input as { path: string }).path)).toBe(false);
  });

  it('leaves an entity file the engine can reach as it is', async () => {
    const input = { path: path.join(dir, 'repo', 'clicks.csv') };
    const staged = await stageEntities(ctx.db, input);
    expect(staged.input).toBe(input);
  });
});
