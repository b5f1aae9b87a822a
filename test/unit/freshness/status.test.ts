import { describe, expect, it } from 'vitest';
import { freshnessEntry, freshnessStatus } from '../../../src/freshness/status.js';
import { FeatureViewSchema, type FeatureView } from '../../../src/registry/schema.js';

const CHECKED_AT = Date.parse('2024-05-01T12:00:00.000Z');
const secondsBefore = (s: number): string => new Date(CHECKED_AT - s * 1000).toISOString();

function view(freshness?: { maxStaleness: string | number }): FeatureView {
  return FeatureViewSchema.parse({
    name: 'user_stats',
    entities: ['user'],
    source: 'events',
    schema: [{ name: 'clicks', dtype: 'int64' }],
    ...(freshness ? { freshness } : {}),
  });
}

describe('freshness status', () => {
  it('is fresh exactly at maxStaleness and stale a millisecond over it', () => {
    const v = view({ maxStaleness: '1h' });
    const at = freshnessEntry(v, { end: secondsBefore(0), at: secondsBefore(60), newestEvent: secondsBefore(3600) }, undefined, CHECKED_AT);
    expect(at).toMatchObject({ status: 'fresh', stalenessSeconds: 3600, maxStalenessSeconds: 3600 });
    const over = freshnessEntry(v, { end: secondsBefore(0), at: secondsBefore(60), newestEvent: secondsBefore(3600.001) }, undefined, CHECKED_AT);
    expect(over).toMatchObject({ status: 'stale', stalenessSeconds: 3600.001 });
  });

  it('is unknown, with every time null, for a view never materialized', () => {
    expect(freshnessEntry(view({ maxStaleness: '1h' }), undefined, undefined, CHECKED_AT)).toEqual({
      view: 'user_stats',
      status: 'unknown',
      stalenessSeconds: null,
      maxStalenessSeconds: 3600,
      newestEventTime: null,
      lastMaterializedAt: null,
      sinceLastMaterializationSeconds: null,
      checkedAt: '2024-05-01T12:00:00.000Z',
      lastAlert: null,
    });
  });

  it('is unknown when runs finished without writing a row (watermark without a newest event)', () => {
    const entry = freshnessEntry(view({ maxStaleness: '1h' }), { end: secondsBefore(0), at: secondsBefore(90) }, undefined, CHECKED_AT);
    expect(entry).toMatchObject({
      status: 'unknown',
      stalenessSeconds: null,
      newestEventTime: null,
      lastMaterializedAt: secondsBefore(90),
      sinceLastMaterializationSeconds: 90,
    });
  });

  it('is never stale without an SLA: fresh once materialized, unknown before', () => {
    const old = freshnessEntry(view(), { end: secondsBefore(0), at: secondsBefore(0), newestEvent: secondsBefore(365 * 86_400) }, undefined, CHECKED_AT);
    expect(old).toMatchObject({ status: 'fresh', maxStalenessSeconds: null, stalenessSeconds: 365 * 86_400 });
    expect(freshnessEntry(view(), undefined, undefined, CHECKED_AT).status).toBe('unknown');
  });

  it('reports events stamped after the check as negative staleness, and fresh', () => {
    const entry = freshnessEntry(view({ maxStaleness: 0 }), { end: secondsBefore(0), at: secondsBefore(0), newestEvent: secondsBefore(-30) }, undefined, CHECKED_AT);
    expect(entry).toMatchObject({ status: 'fresh', stalenessSeconds: -30, maxStalenessSeconds: 0 });
  });

  it('carries the last alert as it was recorded', () => {
    const entry = freshnessEntry(view({ maxStaleness: '1h' }), undefined, { status: 'stale', at: secondsBefore(600) }, CHECKED_AT);
    expect(entry.lastAlert).toEqual({ status: 'stale', at: secondsBefore(600) });
  });

  it('decides the status from staleness and SLA alone', () => {
    expect(freshnessStatus(null, 60)).toBe('unknown');
    expect(freshnessStatus(61, 60)).toBe('stale');
    expect(freshnessStatus(60, 60)).toBe('fresh');
    expect(freshnessStatus(1e9, null)).toBe('fresh');
  });
});
