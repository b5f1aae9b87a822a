import { describe, expect, it } from 'vitest';
import { OnlinePlanner } from '../../../src/api/online-plan.js';
import { parseOnlineFeaturesRequest } from '../../../src/api/online-request.js';
import { apiRepo } from '../../helpers/api-repo.js';
import { viewLayout } from '../../../src/online/layout.js';

const planner = (): OnlinePlanner => new OnlinePlanner(apiRepo(), viewLayout);
const plan = (p: OnlinePlanner, body: unknown) => p.plan(parseOnlineFeaturesRequest(body));

function errorOf(body: unknown): { code: string; message: string } {
  try {
    plan(planner(), body);
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('expected the plan to fail');
}

describe('online read plan', () => {
  it('names entity keys first in request order, then features in request order', () => {
    const p = plan(planner(), {
      features: ['merchant_stats:rating', 'user_stats:clicks', 'pair_stats:pair_count'],
      entities: { merchant_id: ['m1'], user_id: [1] },
    });
    expect(p.names).toEqual(['merchant_id', 'user_id', 'rating', 'clicks', 'pair_count']);
    expect(p.features.map((f) => `${f.layout.view}:${f.feature}`)).toEqual([
      'merchant_stats:rating',
      'user_stats:clicks',
      'pair_stats:pair_count',
    ]);
    expect(p.head).toBe('{"metadata":{"feature_names":["merchant_id","user_id","rating","clicks","pair_count"]},"results":[');
  });

  it('expands a feature service in the order the service lists its features', () => {
    const p = plan(planner(), { feature_service: 'fraud_v1', entities: { user_id: [1], merchant_id: ['m'] } });
    expect(p.names).toEqual(['user_id', 'merchant_id', 'avg_amount', 'clicks', 'rating']);
  });

  it('adds feature_view_metadata, one {name} per view in order of first use, only when asked', () => {
    const p = planner();
    const body = { features: ['user_stats:clicks', 'merchant_stats:rating', 'user_stats:avg_amount'], entities: { user_id: [1], merchant_id: ['m'] } };
    expect(plan(p, body).head).not.toContain('feature_view_metadata');
    const withMetadata = plan(p, { ...body, include_feature_view_version_metadata: true });
    expect(withMetadata.head).toBe(
      '{"metadata":{"feature_names":["user_id","merchant_id","clicks","rating","avg_amount"],' +
        '"feature_view_metadata":[{"name":"user_stats"},{"name":"merchant_stats"}]},"results":[',
    );
    expect(plan(p, body).head).not.toContain('feature_view_metadata');
  });

  it('names features view__feature with full_feature_names', () => {
    const p = plan(planner(), {
      features: ['user_stats:clicks', 'user_profile:clicks'],
      entities: { user_id: [1] },
      full_feature_names: true,
    });
    expect(p.names).toEqual(['user_id', 'user_stats__clicks', 'user_profile__clicks']);
  });

  it('refuses a name clash without full_feature_names and says how to fix it', () => {
    const { code, message } = errorOf({ features: ['user_stats:clicks', 'user_profile:clicks'], entities: { user_id: [1] } });
    expect(code).toBe('INVALID_REQUEST');
    expect(message).toContain('feature name "clicks" is requested from both "user_stats" and "user_profile"');
    expect(message).toContain('full_feature_names');
  });

  it('refuses a feature named like an entity key column', () => {
    const { message } = errorOf({ features: ['user_stats:clicks'], entities: { user_id: [1], clicks: [1] } });
    expect(message).toContain('same name as entity key "clicks"');
  });

  it('names the join key a requested view needs but the request lacks', () => {
    const { code, message } = errorOf({ features: ['pair_stats:pair_count'], entities: { user_id: [1] } });
    expect(code).toBe('INVALID_REQUEST');
    expect(message).toContain('entities.merchant_id is missing');
  });

  it.each([
    [{ features: ['nope:clicks'], entities: { user_id: [1] } }, 'NOT_FOUND', 'unknown feature view "nope"'],
    [{ features: ['user_stats:nope'], entities: { user_id: [1] } }, 'NOT_FOUND', 'has no feature "nope"'],
    [{ feature_service: 'nope', entities: { user_id: [1] } }, 'NOT_FOUND', 'unknown feature service "nope"'],
    [{ features: ['service:nope'], entities: { user_id: [1] } }, 'NOT_FOUND', 'unknown feature service "nope"'],
    [{ features: ['clicks'], entities: { user_id: [1] } }, 'INVALID_FEATURE_REF', 'is malformed'],
    [{ features: ['archive:lifetime_clicks'], entities: { user_id: [1] } }, 'VIEW_NOT_ONLINE', 'not served online'],
  ])('refuses %j with %s', (body, code, message) => {
    const error = errorOf(body);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('reuses the plan of a request shape it has seen', () => {
    const p = planner();
    const first = plan(p, { features: ['user_stats:clicks'], entities: { user_id: [1] } });
    const again = plan(p, { features: ['user_stats:clicks'], entities: { user_id: [2, 3] } });
    const other = plan(p, { features: ['user_stats:clicks'], entities: { user_id: [1] }, full_feature_names: true });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
});
