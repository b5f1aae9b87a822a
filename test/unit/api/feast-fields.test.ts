import { describe, expect, it } from 'vitest';
import { misspeltField, refuseMisspeltFields } from '../../../src/api/feast-fields.js';

const KNOWN = ['entities', 'features', 'feature_service', 'full_feature_names', 'include_feature_view_version_metadata', 'to'];

describe('Feast request fields', () => {
  it('takes a field one or two edits from a long known field for that field', () => {
    expect(misspeltField('full_feature_name', KNOWN)).toBe('full_feature_names');
    expect(misspeltField('feature_servcie', KNOWN)).toBe('feature_service');
    expect(misspeltField('Features', KNOWN)).toBe('features');
    expect(misspeltField('full-feature-names', KNOWN)).toBe('full_feature_names');
  });

  it('leaves fields that resemble nothing known, and short names, alone', () => {
    expect(misspeltField('request_id', KNOWN)).toBeUndefined();
    expect(misspeltField('ts', KNOWN)).toBeUndefined();
    expect(misspeltField('trace', KNOWN)).toBeUndefined();
  });

  it('refuses a misspelt field with a 400 that names it and the field meant', () => {
    expect(() => refuseMisspeltFields({ entities: {}, full_feature_name: true }, KNOWN)).toThrow(
      /full_feature_name: unknown field; did you mean "full_feature_names"/,
    );
  });

  it('lets a look-alike through when the field it resembles is also sent', () => {
    expect(() => refuseMisspeltFields({ features: [], feature: 'x' }, KNOWN)).not.toThrow();
  });

  it('ignores unknown fields and non-object bodies', () => {
    expect(() => refuseMisspeltFields({ entities: {}, client_version: '0.68' }, KNOWN)).not.toThrow();
    expect(() => refuseMisspeltFields([1, 2], KNOWN)).not.toThrow();
    expect(() => refuseMisspeltFields(null, KNOWN)).not.toThrow();
  });
});
