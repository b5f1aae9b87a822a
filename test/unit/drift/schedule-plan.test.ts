import { describe, expect, it } from 'vitest';
import { desiredSchedules, parseScheduleId } from '../../../src/client/schedule-plan.js';
import { RepoSchema } from '../../../src/registry/schema.js';
import { driftRepoInput } from './drift-repo.js';

describe('drift Schedules in the plan', () => {
  const repo = RepoSchema.parse(driftRepoInput());
  const plan = desiredSchedules(repo, 'q');

  it('plans one checkDrift Schedule per view with drift.checkEvery, every that often', () => {
    const drift = plan.filter((s) => s.kind === 'drift');
    expect(drift.map((s) => [s.id, s.when])).toEqual([[`featureflow:${repo.project}:drift:user_stats`, 'every 1h']]);
    const action = drift[0]?.options.action;
    expect(action).toMatchObject({ workflowType: 'checkDrift', args: [{ views: ['user_stats'] }], taskQueue: 'q' });
    expect(drift[0]?.options.spec).toEqual({ intervals: [{ every: 3_600_000 }] });
    expect(drift[0]?.options.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000 });
  });

  it('leaves the other kinds and their ids as they were', () => {
    expect(plan.filter((s) => s.kind !== 'drift').every((s) => s.id === `featureflow:${repo.project}:${s.kind}:${s.view}`)).toBe(true);
    expect(parseScheduleId(repo.project, `featureflow:${repo.project}:drift:user_stats`)).toEqual({ kind: 'drift', view: 'user_stats' });
    expect(parseScheduleId(repo.project, `featureflow:${repo.project}:freshness:a`)).toEqual({ kind: 'freshness', view: 'a' });
    expect(parseScheduleId(repo.project, `featureflow:${repo.project}:other:a`)).toBeUndefined();
  });
});
