import { describe, expect, it } from 'vitest';
import { driftWindows, runDriftChecks, selectDriftViews, type ComputeDriftFn } from '../../../src/drift/compute.js';
import type { EngineContext } from '../../../src/engine/context.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { driftRepoInput, report } from './drift-repo.js';

const repo = RepoSchema.parse(driftRepoInput());

describe('which views a drift check covers', () => {
  it('takes every view with a drift reference by default, in registry order', () => {
    expect(selectDriftViews(repo, undefined).map((v) => v.name)).toEqual(['user_stats']);
  });

  it('refuses a named view without a reference, and an unknown one', () => {
    expect(() => selectDriftViews(repo, ['merchant_stats'])).toThrow(expect.objectContaining({ code: 'DRIFT_NOT_CONFIGURED' }));
    expect(() => selectDriftViews(repo, ['nope'])).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('the windows of a check', () => {
  it('compares [checkedAt - drift.window, checkedAt) with the registry reference', () => {
    const [view] = selectDriftViews(repo, ['user_stats']);
    const at = new Date('2024-05-02T06:00:00Z');
    expect(driftWindows(view as NonNullable<typeof view>, at)).toEqual({
      reference: { start: new Date('2024-04-01T00:00:00Z'), end: new Date('2024-05-01T00:00:00Z') },
      current: { start: new Date('2024-05-01T18:00:00Z'), end: at },
    });
  });

  it('hands each view to computeDrift once, one after another', async () => {
    const seen: string[] = [];
    const fake: ComputeDriftFn = async (_ctx, view) => {
      seen.push(view);
      return report(view, 'ok');
    };
    const ctx = { repo } as EngineContext;
    const out = await runDriftChecks(ctx, fake, ['user_stats', 'user_stats'], new Date('2024-05-02T00:00:00Z'));
    expect(seen).toEqual(['user_stats']);
    expect(out.map((r) => r.report.level)).toEqual(['ok']);
  });
});
