import { describe, expect, it } from 'vitest';
import { parseOnlineFeaturesRequest } from '../../../src/api/online-request.js';

function problemOf(body: unknown): string {
  try {
    parseOnlineFeaturesRequest(body);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('INVALID_REQUEST');
    return (err as Error).message;
  }
  throw new Error('expected the request to be refused');
}

describe('online features request', () => {
  it('accepts features with entities and defaults full_feature_names and the metadata flag to false', () => {
    expect(parseOnlineFeaturesRequest({ features: ['user_stats:clicks'], entities: { user_id: [1, 2] } })).toEqual({
      features: ['user_stats:clicks'],
      entities: { user_id: [1, 2] },
      full_feature_names: false,
      include_feature_view_version_metadata: false,
    });
  });

  it("accepts the body Feast 0.67's client sends, every field of GetOnlineFeaturesRequest", () => {
    const body = {
      entities: { user_id: [1] },
      full_feature_names: false,
      include_feature_view_version_metadata: true,
      features: ['user_stats:clicks'],
    };
    expect(parseOnlineFeaturesRequest(body)).toEqual(body);
  });

  it('takes features: [] beside a feature service as the service, as Feast defaults features to []', () => {
    expect(parseOnlineFeaturesRequest({ feature_service: 'fraud_v1', features: [], entities: { user_id: [1] } })).toEqual({
      feature_service: 'fraud_v1',
      entities: { user_id: [1] },
      full_feature_names: false,
      include_feature_view_version_metadata: false,
    });
  });

  it('refuses features: [] without a feature service', () => {
    expect(problemOf({ features: [], entities: { user_id: [1] } })).toContain('features: must list at least one feature');
  });

  it('ignores fields it does not know, as Feast does, and leaves them out of the request', () => {
    const request = parseOnlineFeaturesRequest({ features: ['v:f'], entities: { user_id: [1] }, client_version: '0.68', trace: {} });
    expect(request).toEqual({
      features: ['v:f'],
      entities: { user_id: [1] },
      full_feature_names: false,
      include_feature_view_version_metadata: false,
    });
  });

  it('accepts a feature service instead of features', () => {
    const request = parseOnlineFeaturesRequest({ feature_service: 'fraud_v1', entities: { user_id: ['7'] }, full_feature_names: true });
    expect(request.feature_service).toBe('fraud_v1');
    expect(request.full_feature_names).toBe(true);
  });

  it('names the path of a bad entity value', () => {
    expect(problemOf({ features: ['v:f'], entities: { user_id: [1, 2, null] } })).toContain(
      'entities.user_id[2]: must be a string, number or boolean, not null',
    );
    expect(problemOf({ features: ['v:f'], entities: { user_id: [{ id: 1 }] } })).toContain('entities.user_id[0]: must be a string');
  });

  it('refuses integers that already lost their digits (a float beyond 2^53) and says what to send', () => {
    expect(problemOf({ features: ['v:f'], entities: { user_id: [2 ** 60] } })).toMatch(
      /entities\.user_id\[0\]: integers beyond 2\^53 .* integer literals or strings/,
    );
  });

  it('refuses entity columns of different lengths, naming the odd one', () => {
    expect(problemOf({ features: ['v:f'], entities: { user_id: [1, 2], merchant_id: ['a'] } })).toContain(
      'entities.merchant_id: has 1 values but entities.user_id has 2',
    );
  });

  it('refuses empty entities and empty entity columns', () => {
    expect(problemOf({ features: ['v:f'], entities: {} })).toContain('entities: must name at least one join key');
    expect(problemOf({ features: ['v:f'], entities: { user_id: [] } })).toContain('entities.user_id: must hold at least one value');
  });

  it('wants exactly one of features and feature_service', () => {
    expect(problemOf({ entities: { user_id: [1] } })).toContain('features: send features');
    expect(problemOf({ features: ['v:f'], feature_service: 's', entities: { user_id: [1] } })).toContain(
      'feature_service: send either features or feature_service, not both',
    );
  });

  it('names wrongly typed fields', () => {
    expect(problemOf({ features: 'v:f', entities: { user_id: [1] } })).toContain('features: must be a list');
    expect(problemOf({ features: [3], entities: { user_id: [1] } })).toContain('features[0]: must be a string like "view:feature"');
    expect(problemOf({ features: ['v:f'], entities: [1] })).toContain('entities: must be an object');
    expect(problemOf({ features: ['v:f'], entities: { user_id: 1 } })).toContain('entities.user_id: must be a list');
    expect(problemOf({ features: ['v:f'], entities: { user_id: [1] }, full_feature_names: 'yes' })).toContain(
      'full_feature_names: must be true or false',
    );
    expect(problemOf({ features: ['v:f'], entities: { user_id: [1] }, include_feature_view_version_metadata: 1 })).toContain(
      'include_feature_view_version_metadata: must be true or false',
    );
  });

  it('refuses a misspelt known field so a typo cannot silently change the response', () => {
    expect(problemOf({ features: ['v:f'], entities: { user_id: [1] }, full_feature_name: true })).toContain(
      'full_feature_name: unknown field; did you mean "full_feature_names"?',
    );
    expect(problemOf({ feature_servce: 's', entities: { user_id: [1] } })).toContain('did you mean "feature_service"?');
  });

  it.each([[null], [[1]], ['text'], [42]])('refuses a body that is not an object: %j', (body) => {
    expect(problemOf(body)).toContain('(body): the body must be a JSON object');
  });
});
