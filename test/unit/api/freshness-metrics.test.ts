import { describe, expect, it } from 'vitest';
import { renderFreshnessGauges } from '../../../src/api/metrics.js';
import type { FreshnessEntry } from '../../../src/workflows/contracts/check-freshness.js';

// One sample line: name{labels} value. The text format allows nothing else outside # comments.
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? -?[0-9.e+-]+$/;

const base: Omit<FreshnessEntry, 'view'> = {
  status: 'fresh',
  stalenessSeconds: 12.5,
  maxStalenessSeconds: null,
  newestEventTime: '2024-05-01T11:59:47.500Z',
  lastMaterializedAt: '2024-05-01T11:59:50.000Z',
  sinceLastMaterializationSeconds: 10,
  checkedAt: '2024-05-01T12:00:00.000Z',
  lastAlert: null,
};

describe('freshness gauges', () => {
  it('render valid Prometheus text: a sample per view that has the value, none for what is unknown', () => {
    const text = renderFreshnessGauges([
      { ...base, view: 'user_stats', status: 'stale', stalenessSeconds: 7200, maxStalenessSeconds: 3600 },
      { ...base, view: 'merchant_stats' },
      { ...base, view: 'never', status: 'unknown', stalenessSeconds: null, newestEventTime: null, lastMaterializedAt: null },
      { ...base, view: 'we"ird', status: 'unknown', stalenessSeconds: null, newestEventTime: null },
    ]);
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('#')) expect(line).toMatch(/^# (HELP|TYPE) featureflow_[a-z_]+ .+$/);
      else expect(line).toMatch(SAMPLE);
    }
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toEqual([
      'featureflow_feature_view_staleness_seconds{view="user_stats"} 7200',
      'featureflow_feature_view_staleness_seconds{view="merchant_stats"} 12.5',
      'featureflow_feature_view_last_materialized_timestamp_seconds{view="user_stats"} 1714564790',
      'featureflow_feature_view_last_materialized_timestamp_seconds{view="merchant_stats"} 1714564790',
      'featureflow_feature_view_last_materialized_timestamp_seconds{view="we\\"ird"} 1714564790',
      'featureflow_feature_view_max_staleness_seconds{view="user_stats"} 3600',
    ]);
  });

  it('render the families without samples when the store could not be read', () => {
    const text = renderFreshnessGauges(undefined);
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([]);
    expect(text).toContain('# TYPE featureflow_feature_view_last_materialized_timestamp_seconds gauge');
  });
});
