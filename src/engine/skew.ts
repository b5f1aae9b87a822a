/**
 * Training/serving skew of a feature service: the values the API served (the serving log, served-log.ts) against
 * the same keys recomputed point-in-time by getHistoricalFeatures, each logged row's request time as its
 * event_timestamp, so offline sees exactly what existed when the request was answered. Reported per feature and
 * per hour of request time: mismatch rate, SMAPE for numbers, and null asymmetry both ways (which usually points
 * at materialization lag or TTL differences rather than at wrong values).
 */
import type { EngineContext } from './context.js';
import { getHistoricalFeatures } from './historical.js';
import { readServedRows, type ServedRow } from './served-log.js';
import { DEFAULT_SKEW_TOLERANCE, isMissing, numericValue, smapeTerm, valuesMatch } from './skew-compare.js';

export interface SkewOptions {
  start: Date;
  end: Date;
  /** Relative tolerance for numbers (DEFAULT_SKEW_TOLERANCE). */
  tolerance?: number;
}

export interface FeatureHourSkew {
  /** `view:feature`. */
  feature: string;
  /** Start of the hour (UTC, ISO-8601) the requests were answered in. */
  hour: string;
  rows: number;
  /** Rows whose served value differs from the offline one (null vs value included). */
  mismatches: number;
  mismatchRate: number;
  /** Mean SMAPE (0..2) over rows where both sides are numbers; null when there are none. */
  smape: number | null;
  /** Served null (or not found) while offline has a value. */
  servedNullOfflineValue: number;
  /** Served a value while offline has none. */
  servedValueOfflineNull: number;
}

export interface SkewReport {
  service: string;
  start: string;
  end: string;
  tolerance: number;
  /** Logged rows in the range. */
  rows: number;
  /** By feature (first logged order), then hour. */
  features: FeatureHourSkew[];
}

interface Tally {
  rows: number;
  mismatches: number;
  smapeSum: number;
  smapeCount: number;
  servedNull: number;
  offlineNull: number;
}

const HOUR_MS = 3_600_000;

/** The skew report of `service` over the logged requests with start <= request time < end. */
export async function computeSkew(ctx: EngineContext, service: string, options: SkewOptions): Promise<SkewReport> {
  const tolerance = options.tolerance ?? DEFAULT_SKEW_TOLERANCE;
  const served = await readServedRows(ctx, service, options.start, options.end);
  const report: SkewReport = {
    service,
    start: options.start.toISOString(),
    end: options.end.toISOString(),
    tolerance,
    rows: served.length,
    features: [],
  };
  if (served.length === 0) return report;
  const refs = loggedRefs(served);
  const offline = await recompute(ctx, served, refs);
  const tallies = new Map<string, Map<string, Tally>>(refs.map((r) => [r, new Map()]));
  served.forEach((row, i) => {
    const hour = new Date(Math.floor(row.requestMicros / 1000 / HOUR_MS) * HOUR_MS).toISOString();
    const recomputed = offline[i] ?? {};
    for (const ref of refs) {
      if (!(ref in row.values)) continue;
      const byHour = tallies.get(ref) as Map<string, Tally>;
      let tally = byHour.get(hour);
      if (!tally) byHour.set(hour, (tally = { rows: 0, mismatches: 0, smapeSum: 0, smapeCount: 0, servedNull: 0, offlineNull: 0 }));
      count(tally, row.values[ref], recomputed[outputName(ref)], tolerance);
    }
  });
  for (const [feature, byHour] of tallies) {
    for (const hour of [...byHour.keys()].sort()) {
      const t = byHour.get(hour) as Tally;
      report.features.push({
        feature,
        hour,
        rows: t.rows,
        mismatches: t.mismatches,
        mismatchRate: t.rows === 0 ? 0 : t.mismatches / t.rows,
        smape: t.smapeCount === 0 ? null : t.smapeSum / t.smapeCount,
        servedNullOfflineValue: t.servedNull,
        servedValueOfflineNull: t.offlineNull,
      });
    }
  }
  return report;
}

function count(tally: Tally, served: unknown, offline: unknown, tolerance: number): void {
  tally.rows++;
  if (!valuesMatch(served, offline, tolerance)) tally.mismatches++;
  if (isMissing(served) && !isMissing(offline)) tally.servedNull++;
  if (!isMissing(served) && isMissing(offline)) tally.offlineNull++;
  if (isMissing(served) || isMissing(offline) || Array.isArray(served)) return;
  const a = numericValue(served);
  const b = typeof offline === 'number' || typeof offline === 'bigint' ? Number(offline) : undefined;
  if (a === undefined || b === undefined) return;
  const term = smapeTerm(a, b);
  if (term === undefined) return;
  tally.smapeSum += term;
  tally.smapeCount++;
}

/** Every feature ref seen in the log, in first-seen order (a service that changed over the range has them all). */
function loggedRefs(rows: readonly ServedRow[]): string[] {
  const refs = new Set<string>();
  for (const row of rows) for (const ref of Object.keys(row.values)) refs.add(ref);
  return [...refs];
}

function outputName(ref: string): string {
  const colon = ref.indexOf(':');
  return `${ref.slice(0, colon)}__${ref.slice(colon + 1)}`;
}

/** The offline values of `refs` for each logged row, in row order (full names: view__feature). */
async function recompute(ctx: EngineContext, rows: readonly ServedRow[], refs: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const entities = rows.map((row) => ({ ...row.entities, event_timestamp: new Date(Math.floor(row.requestMicros / 1000)) }));
  const set = await getHistoricalFeatures(ctx, { rows: entities }, refs, { fullFeatureNames: true });
  try {
    return await set.toRows();
  } finally {
    set.close();
  }
}
