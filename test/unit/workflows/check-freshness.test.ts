import { describe, expect, it } from 'vitest';
import { freshnessDetails, type AlertOutcome } from '../../../src/freshness/details.js';
import { alertFailureMessage, resolveCheckFreshnessInput, withRecordedAlerts } from '../../../src/workflows/check-freshness.js';
import type { FreshnessEntry } from '../../../src/workflows/contracts/check-freshness.js';
import { failureOf } from '../../helpers/failure.js';

const CHECKED_AT = '2024-05-01T12:00:00.000Z';

function entry(view: string, status: FreshnessEntry['status'], stalenessSeconds: number | null): FreshnessEntry {
  return {
    view,
    status,
    stalenessSeconds,
    maxStalenessSeconds: 3600,
    newestEventTime: null,
    lastMaterializedAt: null,
    sinceLastMaterializationSeconds: null,
    checkedAt: CHECKED_AT,
    lastAlert: null,
  };
}

describe('checkFreshness input', () => {
  it('takes {}, nothing at all, or a list of views', () => {
    expect(resolveCheckFreshnessInput({})).toEqual({ views: undefined });
    expect(resolveCheckFreshnessInput(undefined)).toEqual({ views: undefined });
    expect(resolveCheckFreshnessInput({ views: [] })).toEqual({ views: undefined });
    expect(resolveCheckFreshnessInput({ views: ['user_stats'] })).toEqual({ views: ['user_stats'] });
  });

  it('lists every problem at once, each with its field, as one non-retryable failure', () => {
    const failure = failureOf(() => resolveCheckFreshnessInput({ views: 'user_stats', view: 'x' }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('INVALID_WORKFLOW_INPUT');
    expect(failure.message.split('\n')).toEqual([
      'checkFreshness input is invalid (2 problems):',
      '  view: unknown field; the input takes views',
      '  views: must be a list of feature view names like ["user_stats"], got "user_stats"',
    ]);
    expect(failureOf(() => resolveCheckFreshnessInput(['user_stats'])).message).toContain('one JSON object like {"views":["user_stats"]}');
  });
});

describe('checkFreshness outcome', () => {
  const outcomes: AlertOutcome[] = [
    { view: 'a', kind: 'breach', delivered: true, recordedAt: '2024-05-01T12:00:01.000Z', error: null },
    { view: 'b', kind: 'breach', delivered: false, recordedAt: null, error: 'the alerts webhook at http://h answered 400 | bad' },
    { view: 'c', kind: 'recovery', delivered: true, recordedAt: null, error: 'delivered but not recorded: Redis down' },
  ];
  const entries = [entry('a', 'stale', 7200), entry('b', 'stale', 5000), entry('c', 'fresh', 30), entry('d', 'unknown', null)];

  it('shows recorded alerts as each view last alert, and only those', () => {
    const after = withRecordedAlerts(entries, outcomes);
    expect(after.map((e) => e.lastAlert)).toEqual([{ status: 'stale', at: '2024-05-01T12:00:01.000Z' }, null, null, null]);
  });

  it('names every view whose alert failed, and why', () => {
    expect(alertFailureMessage(outcomes.filter((o) => o.error !== null)).split('\n')).toEqual([
      'freshness alerts failed for "b", "c"; the other views\' alerts were recorded, these are due again at the next check:',
      '  b (breach): the alerts webhook at http://h answered 400 | bad',
      '  c (recovery): delivered but not recorded: Redis down',
    ]);
  });

  it('shows a table of views and alerts in the UI, escaping what would break it', () => {
    expect(freshnessDetails(CHECKED_AT, entries, outcomes).split('\n')).toEqual([
      '**Freshness at 2024-05-01T12:00:00.000Z: 2 alerts failed**',
      '',
      '| view | status | staleness | max | alert |',
      '| --- | --- | --- | --- | --- |',
      '| `a` | **stale** | 2h | 1h | breach sent |',
      '| `b` | **stale** | 1h 23m | 1h | breach FAILED: the alerts webhook at http://h answered 400 \\| bad |',
      '| `c` | fresh | 30s | 1h | recovery sent, not recorded: delivered but not recorded: Redis down |',
      '| `d` | unknown | - | 1h |  |',
    ]);
    expect(freshnessDetails(CHECKED_AT, [], [])).toBe('**Freshness at 2024-05-01T12:00:00.000Z**\n\nNo online views to check.');
  });
});
