import { describe, expect, it } from 'vitest';
import { leanOnlineRequest } from '../../../src/api/lean-request.js';
import { ONLINE_REQUEST_FIELDS, parseOnlineFeaturesRequest } from '../../../src/api/online-request.js';

/** Bodies of the common shape: the lean check must give exactly what the schema gives. */
const COMMON: Array<[string, Record<string, unknown>]> = [
  ['a feature list', { features: ['user_stats:clicks', 'user_stats:avg_amount'], entities: { user_id: [1, 2] } }],
  ['a feature service', { feature_service: 'fraud_v1', entities: { user_id: [1], merchant_id: ['m1'] } }],
  ['a service beside features: []', { feature_service: 'fraud_v1', features: [], entities: { user_id: [1] } }],
  [
    "every field Feast 0.67's client sends",
    { entities: { user_id: [1] }, full_feature_names: true, include_feature_view_version_metadata: true, features: ['user_stats:clicks'] },
  ],
  ['the flags set to false', { features: ['a:b'], entities: { k: ['x'] }, full_feature_names: false, include_feature_view_version_metadata: false }],
  ['strings, booleans, negative and fractional numbers', { features: ['a:b'], entities: { k: ['é"', true, -3, 0.5, 9007199254740991] } }],
  ['key names the parser would not expect', { features: ['a:b'], entities: { 'key with spaces': [1], '2': [2], constructor: [3] } }],
];

/** Bodies the lean check leaves to the schema (which accepts some of them and refuses the rest, with its messages). */
const LEFT_TO_THE_SCHEMA: Array<[string, unknown]> = [
  ['not an object', ['features']],
  ['null', null],
  ['a string', 'features'],
  ['an unknown field (the schema strips it)', { features: ['a:b'], entities: { k: [1] }, client: 'x' }],
  ['a misspelt field (the schema refuses it)', { features: ['a:b'], entities: { k: [1] }, full_feature_name: true }],
  ['both features and a service', { features: ['a:b'], feature_service: 's', entities: { k: [1] } }],
  ['neither features nor a service', { entities: { k: [1] } }],
  ['an empty feature list alone', { features: [], entities: { k: [1] } }],
  ['an empty service name', { feature_service: '', entities: { k: [1] } }],
  ['a service that is not a string', { feature_service: 3, entities: { k: [1] } }],
  ['a feature that is not a string', { features: ['a:b', 3], entities: { k: [1] } }],
  ['features that are not a list', { features: 'a:b', entities: { k: [1] } }],
  ['no entities', { features: ['a:b'] }],
  ['entities as a list', { features: ['a:b'], entities: [[1]] }],
  ['no join key', { features: ['a:b'], entities: {} }],
  ['an empty column', { features: ['a:b'], entities: { k: [] } }],
  ['columns of different lengths', { features: ['a:b'], entities: { k: [1, 2], j: [1] } }],
  ['a column that is not a list', { features: ['a:b'], entities: { k: 1 } }],
  ['a null entity value', { features: ['a:b'], entities: { k: [null] } }],
  ['an object entity value', { features: ['a:b'], entities: { k: [{ id: 1 }] } }],
  ['an integer beyond 2^53 written as a float', { features: ['a:b'], entities: { k: [1e20] } }],
  ['a __proto__ join key', { features: ['a:b'], entities: JSON.parse('{"__proto__":[1]}') as unknown }],
  ['a flag that is not a boolean', { features: ['a:b'], entities: { k: [1] }, full_feature_names: 'yes' }],
  ['a metadata flag that is not a boolean', { features: ['a:b'], entities: { k: [1] }, include_feature_view_version_metadata: 1 }],
];

describe('lean online request check', () => {
  it.each(COMMON)('gives what the schema gives for %s', (_, body) => {
    expect(leanOnlineRequest(body)).toEqual(parseOnlineFeaturesRequest(body));
  });

  it.each(LEFT_TO_THE_SCHEMA)('leaves %s to the schema', (_, body) => {
    expect(leanOnlineRequest(body)).toBeUndefined();
  });

  it('knows every field of the schema', () => {
    const body: Record<string, unknown> = { entities: { k: [1] }, features: ['a:b'], full_feature_names: true, include_feature_view_version_metadata: true };
    const checked = ONLINE_REQUEST_FIELDS.filter((field) => field !== 'feature_service');
    expect(Object.keys(body).sort()).toEqual([...checked].sort());
    expect(leanOnlineRequest(body)).toBeDefined();
    expect(leanOnlineRequest({ entities: { k: [1] }, feature_service: 's' })).toBeDefined();
  });

  it('keeps the join keys in the order the body gives them', () => {
    const request = leanOnlineRequest({ features: ['a:b'], entities: { z: [1], a: [2], m: [3] } });
    expect(Object.keys(request?.entities ?? {})).toEqual(['z', 'a', 'm']);
  });
});
