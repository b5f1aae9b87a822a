// Reports and repos for the drift unit tests: a report of any level, and the API test repo with drift blocks.
import type { DriftLevel, DriftReport } from '../../../src/engine/stats/types.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import type { DriftEntry } from '../../../src/workflows/contracts/check-drift.js';
import { apiRepoInput } from '../../helpers/api-repo.js';

export const CHECKED_AT = '2024-05-02T00:00:00.000Z';

export function report(view: string, level: DriftLevel): DriftReport {
  return {
    view,
    reference: { start: '2024-04-01T00:00:00.000Z', end: '2024-05-01T00:00:00.000Z', rows: 100 },
    current: { start: '2024-05-01T00:00:00.000Z', end: CHECKED_AT, rows: 10 },
    features: [
      { feature: 'amount', dtype: 'float64', psi: 0.3, nullDeltaPoints: 0, level, reasons: level === 'ok' ? [] : ['psi 0.3 >= 0.25'] },
      { feature: 'clicks', dtype: 'int64', psi: 0.01, nullDeltaPoints: 0, level: 'ok', reasons: [] },
    ],
    level,
  };
}

export function entry(view: string, level: DriftLevel, lastAlert: DriftLevel | null): DriftEntry {
  return { view, checkedAt: CHECKED_AT, report: report(view, level), lastAlert: lastAlert === null ? null : { level: lastAlert, at: '2024-05-01T00:00:00.000Z' } };
}

/** user_stats compares with a date range, checked hourly; merchant_stats has thresholds only (no reference). */
export function driftRepoInput(): RepoInput {
  const input = apiRepoInput();
  return {
    ...input,
    featureViews: (input.featureViews ?? []).map((v) =>
      v.name === 'user_stats'
        ? { ...v, drift: { reference: { start: '2024-04-01', end: '2024-05-01' }, checkEvery: '1h', window: '12h' } }
        : v.name === 'merchant_stats'
          ? { ...v, drift: { psi: { warn: 0.2 } } }
          : v,
    ),
  };
}
