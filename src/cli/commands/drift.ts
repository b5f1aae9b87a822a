/**
 * `featureflow drift`: each view's latest drift report as the checkDrift workflow stored it (or, with --run, one
 * computed now in-process with the engine, nothing stored). Exits 3 when a view is at level `alert`, so a cron job
 * or a CI step can act on it without parsing the output.
 */
import type { StoredDriftEntry } from '../../drift/stored.js';
import { loadValidatedRepo } from '../../registry/load.js';
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs, UsageError } from '../args.js';
import { formatTable } from '../table.js';

/** Distinct from 1 (an error) and 2 (a usage error): the check worked and found a view at level alert. */
export const DRIFT_ALERT_EXIT_CODE = 3;

const USAGE = `usage: featureflow drift [--config FILE] [--views a,b] [--json] [--run]

Each view's latest drift report: per feature PSI, KS D and p-value (numeric), Jensen-Shannon distance
(strings), null-rate change, and the level (ok, warn, alert) against the view's drift thresholds. By default the
reports the checkDrift workflow stored (a Schedule per view with drift.checkEvery), with when they were checked
and the last alert sent; --run computes them now instead, over [now - drift.window, now), and stores nothing.

options:
  -c, --config FILE  the repo config (default: featureflow.config.ts, then featureflow.json, here)
      --views a,b    only these views (default: every view with a drift block; with --run, a drift.reference)
      --json         print {"project","views":[...]} as GET /drift answers
      --run          compute the reports now with the engine instead of reading the stored ones (no Redis needed)
  -h, --help         show this help

Exit code: 0 when no view is at level alert, ${DRIFT_ALERT_EXIT_CODE} when at least one is, 1 on errors, 2 on usage errors.`;

const OPTIONS = {
  ...CONFIG_OPTION,
  views: { type: 'string' },
  json: { type: 'boolean' },
  run: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (helpOrNoArguments(values.help, positionals, USAGE)) return 0;
  const views = values.views === undefined ? undefined : viewNames(values.views);
  const loaded = await loadValidatedRepo(values.config);
  const { repo } = loaded;
  let entries: StoredDriftEntry[];
  if (values.run) {
    const [{ closeEngine, openEngine }, { lazyComputeDrift }, { runDriftChecks, selectDriftViews }] = await Promise.all([
      import('../../engine/index.js'),
      import('../../drift/engine-loader.js'),
      import('../../drift/compute.js'),
    ]);
    selectDriftViews(repo, views);
    const checkedAt = new Date().toISOString();
    const ctx = await openEngine(repo, loaded.repoDir, { threads: 2, memoryLimit: '1GB' });
    try {
      const reports = await runDriftChecks(ctx, lazyComputeDrift, views, new Date(checkedAt));
      entries = reports.map(({ view, report }) => ({ view, checkedAt, report, lastAlert: null }));
    } finally {
      closeEngine(ctx);
    }
  } else {
    const [{ readStoredDrift, selectStoredDriftViews }, { connectRepoStore }] = await Promise.all([
      import('../../drift/stored.js'),
      import('../../online/store-target.js'),
    ]);
    selectStoredDriftViews(repo, views);
    const store = await connectRepoStore(repo.onlineStore);
    try {
      entries = await readStoredDrift(repo, store, views);
    } finally {
      await store.close();
    }
  }
  if (values.json) console.log(JSON.stringify({ project: repo.project, views: entries }, null, 2));
  else console.log(driftText(repo.project, entries));
  return entries.some((e) => e.report?.level === 'alert') ? DRIFT_ALERT_EXIT_CODE : 0;
}

function viewNames(text: string): string[] {
  const names = text.split(',').map((v) => v.trim());
  if (names.some((v) => v === '')) throw new UsageError(`--views: expected view names separated by commas, got ${JSON.stringify(text)}\n\n${USAGE}`);
  return names;
}

const num = (n: number | undefined, digits = 4): string => (n === undefined ? '-' : n.toFixed(digits));

export function driftText(project: string, entries: readonly StoredDriftEntry[]): string {
  if (entries.length === 0) return `Project "${project}" has no views with a drift block.`;
  return entries
    .map((e) => {
      if (!e.report) return `${e.view}: not checked yet (the checkDrift Schedule has not run; try --run)`;
      const r = e.report;
      const reference = r.reference.snapshot !== undefined ? `snapshot "${r.reference.snapshot}"` : `${r.reference.start} to ${r.reference.end}`;
      const alert = e.lastAlert ? `; last alert: ${e.lastAlert.level} at ${e.lastAlert.at}` : '';
      const head =
        `${e.view}: ${r.level.toUpperCase()} (checked at ${e.checkedAt}${alert})\n` +
        `  current ${r.current.start} to ${r.current.end} (${r.current.rows} rows) vs reference ${reference} (${r.reference.rows} rows)`;
      const rows = r.features.map((f) => ({
        feature: f.feature,
        level: f.level,
        psi: num(f.psi),
        'ks D': num(f.ks?.d),
        'ks p': f.ks ? f.ks.pValue.toExponential(2) : '-',
        js: num(f.js),
        'null Δ pts': f.nullDeltaPoints.toFixed(2),
        reasons: f.reasons.join('; ') || '-',
      }));
      return `${head}\n\n${formatTable(rows, ['feature', 'level', 'psi', 'ks D', 'ks p', 'js', 'null Δ pts', 'reasons'])}`;
    })
    .join('\n\n');
}
