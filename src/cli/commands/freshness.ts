/**
 * `featureflow freshness`: each online view's freshness now, computed by the same code as the checkFreshness
 * workflow and GET /freshness (so it answers before any scheduled check ran), with the last alert sent. Exits 3
 * when a view is stale, so a cron job or a CI step can act on it without parsing the output.
 */
import { computeFreshness, durationText, selectFreshnessViews } from '../../freshness/index.js';
import { loadValidatedRepo } from '../../registry/load.js';
import type { FreshnessEntry } from '../../workflows/contracts/check-freshness.js';
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs, UsageError } from '../args.js';
import { formatTable } from '../table.js';

/** Distinct from 1 (an error) and 2 (a usage error): the check worked and found a stale view. */
export const STALE_EXIT_CODE = 3;

const USAGE = `usage: featureflow freshness [--config FILE] [--views a,b] [--json]

How fresh each online view is now: the age of its newest materialized event ("staleness") against its
freshness.maxStaleness, when it was last materialized, and the last alert the checkFreshness workflow sent.
Status: fresh, stale (staleness over maxStaleness) or unknown (no event materialized yet); a view without
freshness.maxStaleness is never stale.

options:
  -c, --config FILE  the repo config (default: featureflow.config.ts, then featureflow.json, here)
      --views a,b    only these views (default: every online view)
      --json         print {"project","checkedAt","views":[...]} as GET /freshness answers
  -h, --help         show this help

Exit code: 0 when no view is stale, ${STALE_EXIT_CODE} when at least one is, 1 on errors (Redis unreachable, unknown
view), 2 on usage errors.`;

const OPTIONS = {
  ...CONFIG_OPTION,
  views: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (helpOrNoArguments(values.help, positionals, USAGE)) return 0;
  const views = values.views === undefined ? undefined : viewNames(values.views);
  // Only the definitions matter here: no data check, no DuckDB.
  const { repo } = await loadValidatedRepo(values.config);
  selectFreshnessViews(repo, views);
  const { connectRepoStore } = await import('../../online/store-target.js');
  const store = await connectRepoStore(repo.onlineStore);
  const checkedAt = new Date();
  let entries: FreshnessEntry[];
  try {
    entries = await computeFreshness(repo, store, views, checkedAt);
  } finally {
    await store.close();
  }
  if (values.json) console.log(JSON.stringify({ project: repo.project, checkedAt: checkedAt.toISOString(), views: entries }, null, 2));
  else console.log(freshnessReport(repo.project, checkedAt.toISOString(), entries));
  return entries.some((e) => e.status === 'stale') ? STALE_EXIT_CODE : 0;
}

function viewNames(text: string): string[] {
  const names = text.split(',').map((v) => v.trim());
  if (names.some((v) => v === '')) throw new UsageError(`--views: expected view names separated by commas, got ${JSON.stringify(text)}\n\n${USAGE}`);
  return names;
}

export function freshnessReport(project: string, checkedAt: string, entries: readonly FreshnessEntry[]): string {
  if (entries.length === 0) return `Project "${project}" has no online views.`;
  const rows = entries.map((e) => ({
    view: e.view,
    status: e.status,
    staleness: durationText(e.stalenessSeconds),
    max: durationText(e.maxStalenessSeconds),
    'newest event': e.newestEventTime ?? '-',
    'last materialized': e.lastMaterializedAt ? `${e.lastMaterializedAt} (${durationText(e.sinceLastMaterializationSeconds)} ago)` : 'never',
    'last alert': e.lastAlert ? `${e.lastAlert.status === 'stale' ? 'breach' : 'recovery'} at ${e.lastAlert.at}` : '-',
  }));
  const stale = entries.filter((e) => e.status === 'stale').length;
  const summary = stale === 0 ? 'no view is stale' : `${stale} stale view${stale === 1 ? '' : 's'}`;
  const columns = ['view', 'status', 'staleness', 'max', 'newest event', 'last materialized', 'last alert'];
  return `Freshness of project "${project}" at ${checkedAt}: ${summary}\n\n${formatTable(rows, columns)}`;
}
