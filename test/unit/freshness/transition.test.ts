import { describe, expect, it } from 'vitest';
import { alertDue, alertsDue } from '../../../src/freshness/transition.js';
import type { FreshnessEntry, FreshnessStatus } from '../../../src/workflows/contracts/check-freshness.js';

type Last = 'stale' | 'fresh' | null;
const state = (status: FreshnessStatus, last: Last) => ({
  status,
  lastAlert: last === null ? null : { status: last, at: '2024-05-01T00:00:00.000Z' },
});

describe('freshness alert rule', () => {
  it('alerts a breach when a view turns stale from fresh, unknown or no alert at all', () => {
    expect(alertDue(state('stale', null))).toBe('breach');
    expect(alertDue(state('stale', 'fresh'))).toBe('breach');
  });

  it('alerts a recovery when a view is fresh after a breach', () => {
    expect(alertDue(state('fresh', 'stale'))).toBe('recovery');
  });

  it('stays quiet while a state lasts', () => {
    expect(alertDue(state('stale', 'stale'))).toBeUndefined();
    expect(alertDue(state('fresh', 'fresh'))).toBeUndefined();
    expect(alertDue(state('fresh', null))).toBeUndefined();
  });

  it('never alerts on unknown: there is no data to judge', () => {
    for (const last of ['stale', 'fresh', null] as const) expect(alertDue(state('unknown', last))).toBeUndefined();
  });

  it('lists the due alerts in entry order', () => {
    const entry = (view: string, status: FreshnessStatus, last: Last): FreshnessEntry => ({
      view,
      ...state(status, last),
      stalenessSeconds: null,
      maxStalenessSeconds: null,
      newestEventTime: null,
      lastMaterializedAt: null,
      sinceLastMaterializationSeconds: null,
      checkedAt: '2024-05-01T00:00:00.000Z',
    });
    const due = alertsDue([entry('a', 'fresh', 'stale'), entry('b', 'stale', 'stale'), entry('c', 'stale', null)]);
    expect(due.map((d) => [d.entry.view, d.kind])).toEqual([
      ['a', 'recovery'],
      ['c', 'breach'],
    ]);
  });
});
