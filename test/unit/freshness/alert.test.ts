import { describe, expect, it } from 'vitest';
import { alertLog, alertPayload, webhookOrigin } from '../../../src/freshness/alert.js';
import { durationText } from '../../../src/freshness/duration-text.js';
import type { FreshnessEntry } from '../../../src/workflows/contracts/check-freshness.js';

const stale: FreshnessEntry = {
  view: 'user_stats',
  status: 'stale',
  stalenessSeconds: 7530,
  maxStalenessSeconds: 3600,
  newestEventTime: '2024-05-01T09:54:30.000Z',
  lastMaterializedAt: '2024-05-01T11:58:00.000Z',
  sinceLastMaterializationSeconds: 120,
  checkedAt: '2024-05-01T12:00:00.000Z',
  lastAlert: null,
};

describe('freshness alerts', () => {
  it('carry every field of the entry, a stable id and one human line', () => {
    expect(alertPayload('shop', 'breach', stale)).toEqual({
      type: 'featureflow.freshness.breach',
      id: 'shop:user_stats:breach:2024-05-01T12:00:00.000Z',
      kind: 'breach',
      project: 'shop',
      view: 'user_stats',
      status: 'stale',
      stalenessSeconds: 7530,
      maxStalenessSeconds: 3600,
      newestEventTime: '2024-05-01T09:54:30.000Z',
      lastMaterializedAt: '2024-05-01T11:58:00.000Z',
      sinceLastMaterializationSeconds: 120,
      checkedAt: '2024-05-01T12:00:00.000Z',
      text:
        '[shop] feature view "user_stats" is STALE: newest event 2h 5m old (max 1h), last materialized 2m ago; ' +
        'checked at 2024-05-01T12:00:00.000Z',
    });
  });

  it('say when a view is fresh again, even one whose SLA was removed', () => {
    const fresh = { ...stale, status: 'fresh' as const, stalenessSeconds: 45, maxStalenessSeconds: null };
    expect(alertPayload('shop', 'recovery', fresh).text).toBe(
      '[shop] feature view "user_stats" is fresh again: newest event 45s old (no max staleness), last materialized 2m ago; ' +
        'checked at 2024-05-01T12:00:00.000Z',
    );
  });

  it('log one structured line: warn for a breach, info for a recovery, the webhook by its origin only', () => {
    const line = alertLog(alertPayload('shop', 'breach', stale), 'https://hooks.slack.com/services/T0/B0/secret');
    expect(line).toMatchObject({ level: 'warn', kind: 'breach', view: 'user_stats', webhook: 'https://hooks.slack.com' });
    expect(line.message).toContain('is STALE');
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(alertLog(alertPayload('shop', 'recovery', { ...stale, status: 'fresh' }), undefined)).toMatchObject({ level: 'info', webhook: null });
    expect(webhookOrigin('not a url')).toBe('(invalid URL)');
  });

  it('write durations with their two largest units', () => {
    expect([0.25, 45, 60, 3605, 7530, 90_061, -90, null].map(durationText)).toEqual([
      '250ms',
      '45s',
      '1m',
      '1h',
      '2h 5m',
      '1d 1h',
      '-1m 30s',
      '-',
    ]);
  });
});
