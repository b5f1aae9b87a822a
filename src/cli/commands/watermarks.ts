/**
 * `featureflow watermarks list | reset VIEW TIME | reset VIEW --clear`: inspect and repair where each view's next
 * incremental materialization starts. Runs only ever move a watermark forward, so a watermark set too far (a bad
 * END from before ENDs were checked, a clock gone wrong, a hand edit) makes every later run say "up to date";
 * `reset` is the explicit overwrite that undoes it.
 */
import type { Watermark } from '../../online/types.js';
import type { StoredWatermark } from '../../online/watermark-repair.js';
import { FeatureflowError, NotFoundError } from '../../registry/errors.js';
import { FUTURE_SKEW_MS } from '../../registry/instant.js';
import { loadValidatedRepo } from '../../registry/load.js';
import type { Repo } from '../../registry/schema.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';
import { formatTable } from '../table.js';

const USAGE = `usage: featureflow watermarks list [--config FILE] [--json]
       featureflow watermarks reset VIEW TIME [--config FILE] [--json]
       featureflow watermarks reset VIEW --clear [--config FILE] [--json]

A view's watermark is the end of its last materialization: materialize-incremental starts there, and a view whose
watermark is at or past END is skipped as up to date. Runs only move it forward.

  list               each online view's watermark end, when it was recorded, and its newest materialized event;
                     a watermark later than now is flagged (it freezes the view until then)
  reset VIEW TIME    overwrite VIEW's watermark end with TIME (ISO-8601, UTC unless zoned, or "now"), back or
                     forward; TIME may not be later than now (+${FUTURE_SKEW_MS / 60_000} min of clock skew). Prints old -> new.
  reset VIEW --clear delete VIEW's watermark (also: TIME "none"): the next incremental run starts from the view's
                     default (END - ttl, or its earliest row when it has no TTL)

options:
  -c, --config FILE  the repo config (default: featureflow.config.ts, then featureflow.json, here)
      --json         print JSON instead of a table
  -h, --help         show this help`;

const OPTIONS = { ...CONFIG_OPTION, json: { type: 'boolean' }, clear: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export type WatermarksCommand =
  | { action: 'help' }
  | { action: 'list'; config: string | undefined; json: boolean }
  /** `end` undefined: delete the watermark. */
  | { action: 'reset'; config: string | undefined; json: boolean; view: string; end: Date | undefined };

/** The command line, checked before anything is loaded: `nowMs` bounds TIME. */
export function parseWatermarksArgs(args: string[], nowMs: number): WatermarksCommand {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) return { action: 'help' };
  const [action, ...rest] = positionals;
  const common = { config: values.config, json: values.json === true };
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n\n${USAGE}`);
    if (values.clear) throw new UsageError(`--clear only goes with reset\n\n${USAGE}`);
    return { action: 'list', ...common };
  }
  if (action !== 'reset') {
    throw new UsageError(`${action === undefined ? 'missing' : `unknown action "${action}"; expected`} list or reset\n\n${USAGE}`);
  }
  const [view, time, ...extra] = rest;
  if (view === undefined) throw new UsageError(`reset: missing VIEW\n\n${USAGE}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n\n${USAGE}`);
  if (values.clear && time !== undefined) throw new UsageError(`reset: give TIME or --clear, not both\n\n${USAGE}`);
  if (!values.clear && time === undefined) throw new UsageError(`reset: missing TIME (or --clear to delete the watermark)\n\n${USAGE}`);
  if (time === undefined || time === 'none') return { action: 'reset', ...common, view, end: undefined };
  const end = parseInstant(time, 'TIME');
  if (end.getTime() > nowMs + FUTURE_SKEW_MS) {
    throw new FeatureflowError(
      'END_IN_FUTURE',
      `TIME ${end.toISOString()} is later than now (${new Date(nowMs).toISOString()}): a watermark in the future makes every ` +
        'incremental run skip the view until then, which is what reset is meant to repair',
    );
  }
  return { action: 'reset', ...common, view, end };
}

export async function run(args: string[]): Promise<number> {
  const command = parseWatermarksArgs(args, Date.now());
  if (command.action === 'help') {
    console.log(USAGE);
    return 0;
  }
  // Only the definitions matter here: no data check, no DuckDB.
  const { repo } = await loadValidatedRepo(command.config);
  if (command.action === 'reset') onlineView(repo, command.view);
  const { connectRepoStore } = await import('../../online/store-target.js');
  const store = await connectRepoStore(repo.onlineStore);
  try {
    const repair = store.watermarkRepair();
    if (command.action === 'list') {
      const rows = watermarkRows(repo, await repair.list(repo.project), Date.now());
      console.log(command.json ? JSON.stringify({ project: repo.project, views: rows }, null, 2) : watermarksReport(repo.project, rows));
      return 0;
    }
    const old = await repair.replace(repo.project, command.view, (stored) => resetTo(command.end, stored));
    const after = command.end?.toISOString() ?? null;
    if (command.json) console.log(JSON.stringify({ project: repo.project, view: command.view, old: endOf(old), new: after }, null, 2));
    else console.log(resetReport(command.view, endOf(old), after));
    return 0;
  } finally {
    await store.close();
  }
}

/** VIEW must be an online view of the repo: the others are never materialized, so they have no watermark. */
function onlineView(repo: Repo, name: string): void {
  const online = repo.featureViews.filter((v) => v.online).map((v) => v.name);
  if (online.includes(name)) return;
  const known = online.length > 0 ? online.join(', ') : '(none)';
  if (repo.featureViews.some((v) => v.name === name)) {
    throw new FeatureflowError('VIEW_NOT_ONLINE', `feature view "${name}" has online: false, so it has no watermark; online views: ${known}`);
  }
  throw new NotFoundError(`unknown feature view "${name}"; online views: ${known}`);
}

/**
 * The watermark to store: only its end changes. `at` (when the view was last materialized, which freshness shows)
 * and `newestEvent` (what the online store holds) stay true after a reset, so they are kept.
 */
function resetTo(end: Date | undefined, stored: StoredWatermark | undefined): Watermark | undefined {
  if (end === undefined) return undefined;
  const kept = stored && 'watermark' in stored ? stored.watermark : undefined;
  return { end: end.toISOString(), at: kept?.at ?? new Date().toISOString(), ...(kept?.newestEvent ? { newestEvent: kept.newestEvent } : {}) };
}

function endOf(stored: StoredWatermark | undefined): string | null {
  if (stored === undefined) return null;
  return 'watermark' in stored ? stored.watermark.end : `unreadable ${JSON.stringify(stored.unreadable.slice(0, 60))}`;
}

export interface WatermarkRow {
  view: string;
  end: string | null;
  at: string | null;
  newestEvent: string | null;
  /** Later than now (+ skew): incremental runs skip the view until then. */
  future: boolean;
  inRepo: boolean;
  problem?: string;
}

/** Every online view of the repo (none yet: nulls), then watermarks stored for views the repo no longer has. */
export function watermarkRows(repo: Repo, stored: ReadonlyMap<string, StoredWatermark>, nowMs: number): WatermarkRow[] {
  const online = repo.featureViews.filter((v) => v.online).map((v) => v.name);
  const orphans = [...stored.keys()].filter((v) => !online.includes(v)).sort();
  return [...online, ...orphans].map((view) => {
    const s = stored.get(view);
    const w = s && 'watermark' in s ? s.watermark : undefined;
    const row: WatermarkRow = {
      view,
      end: w?.end ?? null,
      at: w?.at ?? null,
      newestEvent: w?.newestEvent ?? null,
      future: w !== undefined && Date.parse(w.end) > nowMs + FUTURE_SKEW_MS,
      inRepo: online.includes(view),
    };
    if (s && 'problem' in s) row.problem = s.problem;
    return row;
  });
}

export function watermarksReport(project: string, rows: readonly WatermarkRow[]): string {
  if (rows.length === 0) return `Project "${project}" has no online views and no watermarks.`;
  const table = rows.map((r) => ({
    view: r.view,
    'watermark end': r.problem ? 'unreadable' : (r.end ?? 'none'),
    'recorded at': r.at ?? '-',
    'newest event': r.newestEvent ?? '-',
    note: [
      r.future ? 'in the future: incremental runs skip this view (reset it)' : '',
      r.inRepo ? '' : 'not in the repo',
      r.problem ?? '',
      !r.problem && r.end === null ? 'next run starts from the default' : '',
    ]
      .filter(Boolean)
      .join('; '),
  }));
  return `Watermarks of project "${project}" (where each view's next incremental run starts)\n\n${formatTable(table, ['view', 'watermark end', 'recorded at', 'newest event', 'note'])}`;
}

export function resetReport(view: string, old: string | null, after: string | null): string {
  const next = after === null ? "the view's default (END - ttl, or its earliest row)" : after;
  return `${view}: ${old ?? 'none'} -> ${after ?? 'none'}\nThe next materialize-incremental of "${view}" starts from ${next}.`;
}
