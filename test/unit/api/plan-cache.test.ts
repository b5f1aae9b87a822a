import { describe, expect, it } from 'vitest';
import { OnlinePlanner } from '../../../src/api/online-plan.js';
import { parseOnlineFeaturesRequest, type OnlineFeaturesRequest } from '../../../src/api/online-request.js';
import { PlanCache } from '../../../src/api/plan-cache.js';
import { viewLayout } from '../../../src/online/layout.js';
import { apiRepo } from '../../helpers/api-repo.js';

const request = (body: unknown): OnlineFeaturesRequest => parseOnlineFeaturesRequest(body);
const put = (cache: PlanCache<string>, r: OnlineFeaturesRequest, plan: string): void => cache.set(r, Object.keys(r.entities), plan);

describe('plan cache', () => {
  const base = { features: ['user_stats:clicks', 'user_stats:avg_amount'], entities: { user_id: [1], merchant_id: ['m'] } };

  it('finds a shape again from another request of it, whatever its entity values', () => {
    const cache = new PlanCache<string>(10);
    put(cache, request(base), 'plan');
    expect(cache.get(request({ ...base, entities: { user_id: [7, 8], merchant_id: ['x', 'y'] } }))).toBe('plan');
  });

  it.each([
    ['another feature list', { ...base, features: ['user_stats:clicks'] }],
    ['the features in another order', { ...base, features: ['user_stats:avg_amount', 'user_stats:clicks'] }],
    ['the join keys in another order', { ...base, entities: { merchant_id: ['m'], user_id: [1] } }],
    ['fewer join keys', { ...base, entities: { user_id: [1] } }],
    ['more join keys', { ...base, entities: { user_id: [1], merchant_id: ['m'], other: [1] } }],
    ['full_feature_names', { ...base, full_feature_names: true }],
    ['the metadata flag', { ...base, include_feature_view_version_metadata: true }],
    ['a service named like the first feature', { feature_service: 'user_stats:clicks', entities: base.entities }],
  ])('tells %s apart', (_, other) => {
    const cache = new PlanCache<string>(10);
    put(cache, request(base), 'plan');
    expect(cache.get(request(other))).toBeUndefined();
  });

  it('never takes one list for another whatever characters the names hold', () => {
    const cache = new PlanCache<string>(10);
    put(cache, request({ features: ['a:b","c:d'], entities: { k: [1] } }), 'one');
    expect(cache.get(request({ features: ['a:b', 'c:d'], entities: { k: [1] } }))).toBeUndefined();
    expect(cache.get(request({ features: ['a:b","c:d'], entities: { k: [1] } }))).toBe('one');
  });

  it('keeps its own copy of the lists, so a request changed afterwards changes nothing', () => {
    const cache = new PlanCache<string>(10);
    const r = request(base);
    put(cache, r, 'plan');
    (r.features as string[])[1] = 'user_stats:tags';
    expect(cache.get(request(base))).toBe('plan');
  });

  it('drops the oldest shape when full', () => {
    const cache = new PlanCache<string>(2);
    const shapes = ['a:1', 'b:1', 'c:1'].map((f) => request({ features: [f], entities: { k: [1] } }));
    shapes.forEach((r, i) => put(cache, r, `plan ${i}`));
    expect(cache.size).toBe(2);
    expect(cache.get(shapes[0] as OnlineFeaturesRequest)).toBeUndefined();
    expect(cache.get(shapes[2] as OnlineFeaturesRequest)).toBe('plan 2');
  });

  it('keeps at most 32 shapes that start with the same feature, dropping the oldest of them', () => {
    const cache = new PlanCache<string>(1000);
    const shapes = Array.from({ length: 40 }, (_, i) => request({ features: ['a:first', `a:${i}`], entities: { k: [1] } }));
    shapes.forEach((r, i) => put(cache, r, `plan ${i}`));
    expect(cache.size).toBe(32);
    expect(cache.get(shapes[7] as OnlineFeaturesRequest)).toBeUndefined();
    expect(cache.get(shapes[8] as OnlineFeaturesRequest)).toBe('plan 8');
    expect(cache.get(shapes[39] as OnlineFeaturesRequest)).toBe('plan 39');
  });

  it('gives the planner the same plan for the same shape and separate plans for others', () => {
    const planner = new OnlinePlanner(apiRepo(), viewLayout);
    const first = planner.plan(request({ features: ['user_stats:clicks'], entities: { user_id: [1] } }));
    expect(planner.plan(request({ features: ['user_stats:clicks'], entities: { user_id: [2, 3] } }))).toBe(first);
    const full = planner.plan(request({ features: ['user_stats:clicks'], entities: { user_id: [1] }, full_feature_names: true }));
    expect(full.names).toEqual(['user_id', 'user_stats__clicks']);
    expect(first.names).toEqual(['user_id', 'clicks']);
  });
});
