/**
 * The serving log's files: what the API served for a feature service, sampled, as
 * `<offlineStore.path>/_served/<service>/date=YYYY-MM-DD/<micros>-<pid>-<random>.parquet` (date of the request, UTC).
 * One row per served entity row: `request_time` (TIMESTAMPTZ) and three JSON texts, `entities` (join key or request
 * field -> value as sent), `values` and `statuses` (feature ref `view:feature` -> value as served / status). JSON
 * because a service's features have many types and change over time; files stay readable whatever the service
 * looked like when they were written. Files are written whole (appendRowsFile), so readers never see a torn one.
 */
import type { EngineContext } from './context.js';
import { duckdbMessage, SourceError } from './errors.js';
import { offlinePath } from './offline/location.js';
import { appendRowsFile, type PushedColumn } from './pushed-append.js';
import { newPushedFileName } from './pushed-files.js';
import { literal } from './sql.js';

export const SERVED_FOLDER = '_served';

export interface ServedRow {
  /** When the request was answered, epoch microseconds. */
  requestMicros: number;
  entities: Record<string, unknown>;
  values: Record<string, unknown>;
  statuses: Record<string, string>;
}

const COLUMNS: readonly PushedColumn[] = [
  { name: 'request_time', dtype: 'timestamp' },
  { name: 'entities', dtype: 'string' },
  { name: 'values', dtype: 'string' },
  { name: 'statuses', dtype: 'string' },
];

const DAY_MICROS = 86_400_000_000;

function dateText(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10);
}

/** Writes the rows, one new file per request date; returns the files written. */
export async function writeServedRows(ctx: EngineContext, service: string, rows: readonly ServedRow[]): Promise<string[]> {
  const byDate = new Map<string, ServedRow[]>();
  for (const row of rows) {
    const date = dateText(row.requestMicros);
    const list = byDate.get(date) ?? [];
    list.push(row);
    byDate.set(date, list);
  }
  const files: string[] = [];
  for (const [date, list] of byDate) {
    const values = list.map((r) => [
      { micros: BigInt(Math.round(r.requestMicros)) },
      JSON.stringify(r.entities),
      JSON.stringify(r.values),
      JSON.stringify(r.statuses),
    ]);
    const folder = [SERVED_FOLDER, service, `date=${date}`];
    files.push(await appendRowsFile(ctx, folder, newPushedFileName(), COLUMNS, values, `served values of service "${service}"`));
  }
  return files;
}

/** The logged rows of `service` with start <= request time < end, in request-time order. */
export async function readServedRows(ctx: EngineContext, service: string, start: Date, end: Date): Promise<ServedRow[]> {
  const dates = new Set<string>();
  for (let day = Math.floor(start.getTime() / 86_400_000) * DAY_MICROS; day < end.getTime() * 1000; day += DAY_MICROS) {
    dates.add(dateText(day));
  }
  if (dates.size === 0) return [];
  const root = offlinePath(ctx.offline.location, SERVED_FOLDER, service);
  try {
    return await ctx.db.withConnection(async (conn) => {
      // Listing first: read_parquet fails on a pattern that matches nothing, and only the range's dates are read.
      const listed = await conn.runAndReadAll(`SELECT file FROM glob(${literal(`${root}/date=*/*.parquet`)})`);
      const files = listed
        .getRowObjects()
        .map((r) => String(r.file))
        .filter((f) => dates.has(/\/date=(\d{4}-\d{2}-\d{2})\//.exec(f.replace(/\\/g, '/'))?.[1] ?? ''))
        .sort();
      if (files.length === 0) return [];
      const sql =
        `SELECT epoch_us(request_time) AS micros, entities, "values", statuses FROM read_parquet([${files.map(literal).join(', ')}]) ` +
        `WHERE request_time >= make_timestamptz(${start.getTime() * 1000}::BIGINT) AND request_time < make_timestamptz(${end.getTime() * 1000}::BIGINT) ` +
        'ORDER BY request_time';
      const reader = await conn.runAndReadAll(sql);
      return reader.getRowObjects().map((r) => ({
        requestMicros: Number(r.micros),
        entities: JSON.parse(String(r.entities)) as Record<string, unknown>,
        values: JSON.parse(String(r.values)) as Record<string, unknown>,
        statuses: JSON.parse(String(r.statuses)) as Record<string, string>,
      }));
    });
  } catch (err) {
    throw new SourceError(`reading the served values of service "${service}" failed: ${duckdbMessage(err)}`, { cause: err });
  }
}
