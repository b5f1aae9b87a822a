/**
 * The latest stored drift check per view, as `GET /drift` and `featureflow drift` show it: read from the online
 * store's drift hashes (written by the checkDrift workflow), never computed here. A view with `drift` in the
 * registry that was never checked is listed with nulls, so "no check yet" is visible rather than missing.
 */
import type { DriftAlertState, DriftEntry } from '../workflows/contracts/check-drift.js';
import type { DriftReport } from '../engine/stats/types.js';
import type { OnlineStore } from '../online/types.js';
import { findView } from '../registry/features.js';
import type { Repo } from '../registry/schema.js';

/** A DriftEntry, or the nulls of a view not checked yet. */
export interface StoredDriftEntry {
  view: string;
  checkedAt: string | null;
  report: DriftReport | null;
  lastAlert: DriftAlertState | null;
}

/** The named views in the order given (unknown names fail with NOT_FOUND), or every view with a `drift` block. */
export function selectStoredDriftViews(repo: Repo, names: readonly string[] | undefined): string[] {
  if (!names || names.length === 0) return repo.featureViews.filter((v) => v.drift !== undefined).map((v) => v.name);
  return [...new Set(names)].map((name) => findView(repo, name).name);
}

export async function readStoredDrift(
  repo: Repo,
  store: Pick<OnlineStore, 'getDriftRecords'>,
  names: readonly string[] | undefined,
): Promise<StoredDriftEntry[]> {
  const views = selectStoredDriftViews(repo, names);
  const { reports, alerts } = await store.getDriftRecords(repo.project);
  return views.map((view) => {
    const record = reports.get(view);
    return { view, checkedAt: record?.checkedAt ?? null, report: record?.report ?? null, lastAlert: alerts.get(view) ?? null };
  });
}

/** A freshly computed check (`featureflow drift --run`) in the stored entries' shape. */
export function toStoredEntry(entry: DriftEntry): StoredDriftEntry {
  return { view: entry.view, checkedAt: entry.checkedAt, report: entry.report, lastAlert: entry.lastAlert };
}
