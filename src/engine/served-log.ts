/**
 * The serving log's files: what the API served for a feature service, sampled, as
 * `<offlineStore.path>/_served/<service>/date=YYYY-MM-DD/<micros>-<pid>-<random>.parquet` (date of the request, UTC).
 * One row per served entity row: `request_time` (TIMESTAMPTZ) and three JSON texts, `entities` (join key or request
 * field -> value as sent), `values` and `statuses` (feature ref `view:feature` -> value as served / status). JSON
 * because a service's features have many types and change over time; files stay readable whatever the service
 * looked like when they were written. Files are written whole (writeOfflineFile), so readers never see a torn one.
 */
import { randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EngineContext } from './context.js';
import { duckdbMessage, SourceError } from './errors.js';
import { offlinePath } from './offline/location.js';
import { writeOfflineFile } from './pushed-append.js';
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

const DAY_MICROS = 86_400_000_000;

/**
 * Rows turned into text between two turns of the event loop (well under a millisecond of work): the log is written
 * by the serving process, so its flush must never hold the loop for long.
 */
export const SERVED_SLICE_ROWS = 500;

/** Read back by DuckDB: `e`, `v` and `s` as JSON (stored as their text), `t` the request time in micros. */
const STAGED_COLUMNS = "{'t': 'BIGINT', 'e': 'JSON', 'v': 'JSON', 's': 'JSON'}";

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function dateText(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10);
}

/**
 * Writes the rows, one new file per request date; returns the files written. The rows go to DuckDB as a JSON-lines
 * file it reads on its own thread: appending them value by value through the appender (one native call each) held
 * the event loop for up to 0.4 s per 100k rows (measured), which a serving process cannot afford.
 */
export async function writeServedRows(ctx: EngineContext, service: string, rows: readonly ServedRow[]): Promise<string[]> {
  // By day number: formatting a date for each of 100k rows alone held the loop for ~80 ms (measured).
  const byDay = new Map<number, ServedRow[]>();
  for (const row of rows) {
    const day = Math.floor(row.requestMicros / DAY_MICROS);
    const list = byDay.get(day);
    if (list) list.push(row);
    else byDay.set(day, [row]);
  }
  const files: string[] = [];
  for (const [day, list] of byDay) {
    const date = dateText(day * DAY_MICROS);
    const staged = path.join(ctx.db.tempDirectory, `served-${randomUUID()}.jsonl`);
    try {
      await writeJsonLines(staged, list);
      const folder = [SERVED_FOLDER, service, `date=${date}`];
      const file = await writeOfflineFile(ctx, folder, newPushedFileName(), `served values of service "${service}"`, (conn, target) =>
        conn
          .run(
            `COPY (SELECT make_timestamptz(t) AS request_time, e::VARCHAR AS entities, v::VARCHAR AS "values", s::VARCHAR AS statuses ` +
              `FROM read_json(${literal(staged)}, format = 'newline_delimited', columns = ${STAGED_COLUMNS})) TO ${literal(target)} (FORMAT parquet)`,
          )
          .then(() => undefined),
      );
      files.push(file);
    } finally {
      await rm(staged, { force: true });
    }
  }
  return files;
}

/** The rows as JSON lines into `file`, a slice at a time: one big string would be one long encode on the loop. */
async function writeJsonLines(file: string, rows: readonly ServedRow[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let from = 0; from < rows.length; from += SERVED_SLICE_ROWS) {
      if (from > 0) await nextTurn();
      const lines = rows.slice(from, from + SERVED_SLICE_ROWS).map((r) => JSON.stringify({ t: Math.round(r.requestMicros), e: r.entities, v: r.values, s: r.statuses }));
      await handle.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await handle.close();
  }
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
