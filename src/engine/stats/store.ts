/**
 * Stored feature statistics: one file per written range (files.ts), merged over whatever range is asked for.
 * Computed views get their stats when computeFeatures writes a date (recordPartitionStats); plain views by the
 * computeStats activity (computeViewStats). A range's dates that have no stats are computed on the spot from the
 * view's rows when there are few of them, so a first look at a view does not need a job first.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { FeatureflowError } from '../../registry/errors.js';
import { findView, viewFeatures } from '../../registry/features.js';
import type { EngineContext } from '../context.js';
import { checkedRange, dateSlices, overlaps, subtractRange, type MicrosRange } from '../compute/range.js';
import { instantSql } from '../compute/time-sql.js';
import { duckdbMessage, SourceError } from '../errors.js';
import { ident } from '../sql.js';
import { TS, viewRows } from '../view-rows.js';
import { computeRelationStats, type StatsFeature } from './compute.js';
import { listStatsFiles, readStatsFiles, snapshotPath, statsFileExists, statsFilePath, writeStatsFile, writtenMicros, type StatsFile } from './files.js';
import { mergeViewStats } from './merge.js';
import type { ViewStats } from './types.js';

/** At most this many dates without stats are computed by loadStats itself; more need the computeStats activity. */
export const MAX_DATES_COMPUTED_ON_LOAD = 31;

const iso = (us: number): string => new Date(us / 1000).toISOString();

function statsFeatures(ctx: EngineContext, view: string): StatsFeature[] {
  return viewFeatures(findView(ctx.repo, view)).map((f) => ({ name: f.name, dtype: f.dtype ?? 'unknown' }));
}

/**
 * Stats of the rows of `select` (a SELECT over a view's rows with its feature columns) for one range of one date,
 * stored for that range. Called by the offline writers with the temp table they copy from, before they publish.
 */
export async function recordPartitionStats(
  ctx: EngineContext,
  conn: DuckDBConnection,
  view: string,
  select: string,
  range: MicrosRange & { date: string },
  store = true,
): Promise<ViewStats> {
  let stats: ViewStats;
  try {
    stats = await computeRelationStats(conn, `(${select})`, statsFeatures(ctx, view), { view, start: iso(range.start), end: iso(range.end) });
  } catch (err) {
    if (err instanceof FeatureflowError) throw err;
    const message = duckdbMessage(err);
    throw new SourceError(`computing statistics of view "${view}" for ${iso(range.start)}..${iso(range.end)} failed: ${message}`, {
      cause: err,
      retryable: /^(IO|HTTP|Out of Memory) Error/.test(message),
    });
  }
  if (store) await writeStatsFile(conn, ctx.offline.location, statsFilePath(ctx.offline.location, view, range.date, range, writtenMicros()), stats);
  return stats;
}

/** Computes and stores the stats of a view's rows per UTC date of [start, end) (any view; reads its rows). */
export async function computeViewStats(ctx: EngineContext, view: string, start: Date, end: Date): Promise<ViewStats[]> {
  const range = checkedRange(view, start, end);
  return computeRanges(ctx, view, dateSlices(range), () => true);
}

async function computeRanges(
  ctx: EngineContext,
  view: string,
  ranges: ReadonlyArray<MicrosRange & { date: string }>,
  store: (range: MicrosRange) => boolean,
): Promise<ViewStats[]> {
  if (ranges.length === 0) return [];
  const features = statsFeatures(ctx, view);
  await ctx.offline.refresh();
  const rows = viewRows(ctx, findView(ctx.repo, view), features.map((f) => f.name));
  const conn = await ctx.db.connect();
  const table = ident('__ff_stats_rows');
  try {
    const out: ViewStats[] = [];
    for (const range of ranges) {
      // Materialised once: the stats statements read the rows three times, the source only once.
      const where = `${TS} >= ${instantSql(range.start)} AND ${TS} < ${instantSql(range.end)}`;
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${rows.relation} WHERE ${where}`);
      out.push(await recordPartitionStats(ctx, conn, view, `SELECT * FROM ${table}`, range, store(range)));
    }
    await conn.run(`DROP TABLE IF EXISTS ${table}`);
    return out;
  } finally {
    conn.closeSync();
  }
}

/**
 * The stored files that describe [range], newest first: a file is used when it lies inside the range and no
 * newer file overlaps it (a newer write of part of its range made it stale).
 */
export function coveringFiles(files: readonly StatsFile[], range: MicrosRange): StatsFile[] {
  const inside = files.filter((f) => f.start >= range.start && f.end <= range.end && f.start < f.end);
  const used: StatsFile[] = [];
  for (const f of [...inside].sort((a, b) => b.written - a.written)) {
    if (!used.some((u) => overlaps(u, f))) used.push(f);
  }
  return used.sort((a, b) => a.start - b.start);
}

/** The parts of each date of `range` no file covers. */
export function uncovered(range: MicrosRange, used: readonly MicrosRange[]): Array<MicrosRange & { date: string }> {
  return dateSlices(range).flatMap((slice) => {
    let rest: MicrosRange[] = [slice];
    for (const u of used) rest = rest.flatMap((r) => subtractRange(r, u));
    return rest.filter((r) => r.end > r.start).map((r) => ({ ...r, date: slice.date }));
  });
}

export async function loadStats(ctx: EngineContext, view: string, start: Date, end: Date): Promise<ViewStats> {
  findView(ctx.repo, view);
  const range = checkedRange(view, start, end);
  const stored = await ctx.db.withConnection(async (conn) => {
    const used = coveringFiles(await listStatsFiles(conn, ctx.offline.location, view), range);
    return { used, stats: await readStatsFiles(conn, used.map((f) => f.file)) };
  });
  const gaps = uncovered(range, stored.used);
  const dates = [...new Set(gaps.map((g) => g.date))];
  if (dates.length > MAX_DATES_COMPUTED_ON_LOAD) {
    const shown = dates.slice(0, 10).join(', ') + (dates.length > 10 ? ` and ${dates.length - 10} more` : '');
    throw new FeatureflowError(
      'STATS_MISSING',
      `view "${view}" has no statistics for ${dates.length} dates of ${iso(range.start)}..${iso(range.end)} (${shown}): ` +
        `compute them first (the computeStats activity, or computeFeatures for a computed view)`,
    );
  }
  // A range still open (ending after now) is computed but not stored: rows still arrive, and stored stats would
  // hide them until the next computeStats.
  const nowMicros = Date.now() * 1000;
  const computed = await computeRanges(ctx, view, gaps, (r) => r.end <= nowMicros);
  const parts = [...stored.stats, ...computed];
  return mergeViewStats(view, iso(range.start), iso(range.end), parts);
}

export async function saveSnapshot(ctx: EngineContext, view: string, name: string, stats: ViewStats): Promise<void> {
  findView(ctx.repo, view);
  const file = snapshotPath(ctx.offline.location, view, name);
  await ctx.db.withConnection((conn) => writeStatsFile(conn, ctx.offline.location, file, stats));
}

export async function loadSnapshot(ctx: EngineContext, view: string, name: string): Promise<ViewStats> {
  findView(ctx.repo, view);
  const file = snapshotPath(ctx.offline.location, view, name);
  return ctx.db.withConnection(async (conn) => {
    if (!(await statsFileExists(conn, ctx.offline.location, file))) {
      throw new FeatureflowError('STATS_MISSING', `view "${view}" has no statistics snapshot "${name}" (take one with \`featureflow stats snapshot ${view} ${name}\`)`);
    }
    const [stats] = await readStatsFiles(conn, [file]);
    if (!stats) throw new FeatureflowError('STATS_CORRUPT', `snapshot ${file} holds no statistics`);
    return stats;
  });
}
