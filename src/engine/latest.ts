/**
 * Latest row per entity of a view within [start, end) (SPEC section 3: greatest event time, then greatest created
 * time), encoded for the online store by DuckDB and handed to the caller in bounded batches (exportLatestRows), or
 * rendered into the store's own commands (latest-frames.ts).
 *
 * The entities are split into partitions by key hash. While the caller writes one partition, DuckDB aggregates
 * (and, for rendered commands, renders) the next on a second connection, so DuckDB's work hides behind the writes;
 * on 2 cores it is the longest leg of a materialization all the same (issue 13, bench/materialize/phases.ts).
 * A view with validation rules is the exception: every row is judged before the first is written (latest-gate.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { viewFeatures } from '../registry/features.js';
import type { Dtype } from '../registry/dtypes.js';
import type { FeatureView } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import { allowReordering } from './database.js';
import { withInferredDtypes } from './compute/dtypes.js';
import { entityKeyPart, payloadExpr } from './json-encoding.js';
import { describeRelation } from './sources.js';
import { ident, integer, literal } from './sql.js';
import { CREATED, TS, viewRows } from './view-rows.js';
import { gateStagedRows, joinKeyFields, type StagedLayout } from './latest-gate.js';
import { enforceReport } from './validation/gate.js';
import type { ValidationReport } from './validation/types.js';

export interface LatestRow {
  /** Encoded entity key (online store layout), e.g. `i42` or `i42,sabc`. */
  key: string;
  eventMicros: number;
  createdMicros: number | null;
  /** JSON array text of the view's features in registry order. */
  payload: string;
}

export interface LatestRowsOptions {
  start: Date | undefined;
  end: Date;
  /** Rows per batch handed to `consume`; bounded so memory stays flat whatever the view's size. */
  batchRows?: number;
  /** Key-hash partitions aggregated one after another (default 4). */
  partitions?: number;
  /**
   * Called with the number of rows (entities) expected: an estimate from the partitions staged so far (their
   * sizes are even, being hash buckets), exact once the last is staged. Counting first would cost a pass.
   */
  onTotal?: (rows: number) => void;
  /**
   * Called with the validation gate's report when the view has rules, after every entity is staged and before
   * the first batch is consumed (a failed block rule throws VALIDATION_FAILED instead: nothing is consumed).
   */
  onValidated?: (report: ValidationReport) => void;
}

interface LatestSql {
  /** Aggregates partition `p` of `parts` into temp table `table`. */
  stage(table: string, p: number, parts: number): string;
  /** Encodes a staged partition: columns k, t, c, p. */
  encode(table: string): string;
  layout: StagedLayout;
}

function isoLiteral(date: Date): string {
  return `CAST(${literal(date.toISOString())} AS TIMESTAMPTZ)`;
}

async function latestSql(ctx: EngineContext, conn: DuckDBConnection, view: FeatureView, options: LatestRowsOptions): Promise<LatestSql> {
  const rows = viewRows(ctx, view, viewFeatures(view).map((f) => f.name));
  const types = await describeRelation(conn, rows.relation);
  // Aggregation columns the registry leaves untyped (min, max, last, ...) take the type they were computed with.
  const features = withInferredDtypes(view.name, viewFeatures(view), types);
  const declared = new Map(
    view.entities.flatMap((name) => {
      const entity = ctx.repo.entities.find((e) => e.name === name);
      return (entity?.joinKeys ?? []).map((k) => [k, entity?.valueType as Dtype | undefined] as const);
    }),
  );
  const keys = rows.joinKeys.map((k) => `b.${ident(k)}`);
  const keyExpr = rows.joinKeys
    .map((k, i) => entityKeyPart(keys[i] as string, types.get(k) ?? '', declared.get(k), k))
    .join(` || ',' || `);
  const fields = features.map((f, i) => `${ident(`f${i}`)} := b.${ident(f.name)}`);
  const where = [
    `b.${TS} < ${isoLiteral(options.end)}`,
    ...(options.start ? [`b.${TS} >= ${isoLiteral(options.start)}`] : []),
    ...keys.map((k) => `${k} IS NOT NULL`),
  ].join(' AND ');
  const order = `struct_pack(t := b.${TS}, c := coalesce(b.${CREATED}, '-infinity'::TIMESTAMPTZ))`;
  // The join keys ride along only for the gate's sql predicates; a view without rules does not pay for them.
  const gated = (view.validation ?? []).length > 0;
  const joinKeys = gated ? joinKeyFields(rows.joinKeys, (k) => `b.${ident(k)}`) : [];
  const members = [`__t := b.${TS}`, `__c := b.${CREATED}`, ...fields, ...joinKeys];
  const best = `arg_max(struct_pack(${members.join(', ')}), ${order})`;
  const payload = payloadExpr(
    features.map((f, i) => ({ expr: `struct_extract(s.best, ${literal(`f${i}`)})`, dtype: f.dtype })),
  );
  return {
    stage: (table, p, parts) => `CREATE OR REPLACE TEMP TABLE ${ident(table)} AS
      SELECT ${keyExpr} AS k, ${best} AS best
      FROM ${rows.relation} b
      WHERE ${where}${parts > 1 ? ` AND hash(${keys.join(', ')}) % ${integer(parts)} = ${integer(p)}` : ''}
      GROUP BY ALL`,
    encode: (table) => `SELECT s.k, epoch_us(struct_extract(s.best, '__t'))::DOUBLE AS t,
      epoch_us(struct_extract(s.best, '__c'))::DOUBLE AS c, ${payload} AS p FROM ${ident(table)} s`,
    layout: { features: features.map((f) => f.name), joinKeys: rows.joinKeys },
  };
}

async function streamEncoded(
  conn: DuckDBConnection,
  sql: string,
  batchRows: number,
  consume: (batch: LatestRow[]) => Promise<void>,
): Promise<void> {
  const result = await conn.stream(sql);
  let batch: LatestRow[] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const keys = chunk.getColumnValues(0) as string[];
    const events = chunk.getColumnValues(1) as number[];
    const created = chunk.getColumnValues(2) as Array<number | null>;
    const payloads = chunk.getColumnValues(3) as string[];
    for (let i = 0; i < chunk.rowCount; i++) {
      batch.push({ key: keys[i] as string, eventMicros: events[i] as number, createdMicros: created[i] ?? null, payload: payloads[i] as string });
      if (batch.length >= batchRows) {
        await consume(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await consume(batch);
}

/**
 * How the staged partitions are read. `prepare` runs on the staging connection right after a partition is staged,
 * still in the background while the previous partition is read (e.g. to render it whole); it returns the SQL that
 * `read` then gets, and may create a temp table named `scratch`, dropped after the read. Without it `read` gets the
 * encoding SQL (columns k, t, c, p) of the staged table. `rows`: the partition's row count.
 */
export interface StagedReader {
  prepare?(conn: DuckDBConnection, encode: string, rows: number, scratch: string): Promise<string>;
  read(conn: DuckDBConnection, sql: string, rows: number): Promise<void>;
}

/**
 * Stages the latest row per entity of `view` in [start, end) partition by partition and hands each staged table to
 * `reader`; resolves with the number of rows once every partition was read (a failure in `read` stops the export).
 */
export async function exportLatest(ctx: EngineContext, view: FeatureView, options: LatestRowsOptions, reader: StagedReader): Promise<number> {
  const parts = options.partitions ?? 4;
  await ctx.offline.refresh();
  const conns = [await ctx.db.connect(), await ctx.db.connect()] as const;
  let staging: Promise<Staged> = Promise.resolve({ rows: 0, sql: '' });
  const table = (p: number) => `__ff_latest_${p}`;
  const scratch = (p: number) => `__ff_latest_${p}_read`;
  const prepare = async (conn: DuckDBConnection, encode: string, rows: number, p: number): Promise<Staged> => ({
    rows,
    sql: reader.prepare ? await reader.prepare(conn, encode, rows, scratch(p)) : encode,
  });
  try {
    for (const conn of conns) await allowReordering(conn);
    const sql = await latestSql(ctx, conns[0], view, options);
    const stage = async (p: number): Promise<Staged> => {
      const conn = conns[p % 2]!;
      await conn.run(sql.stage(table(p), p, parts));
      const staged = await conn.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${ident(table(p))}`);
      return prepare(conn, sql.encode(table(p)), Number(staged.getRowsJS()[0]?.[0] ?? 0), p);
    };
    const done = async (conn: DuckDBConnection, p: number): Promise<void> => {
      await conn.run(`DROP TABLE ${ident(table(p))}`);
      if (reader.prepare) await conn.run(`DROP TABLE IF EXISTS ${ident(scratch(p))}`);
    };
    const rules = view.validation ?? [];
    if (rules.length > 0) {
      // The gate judges every row before any is written, so nothing is left to overlap with the writes: all
      // entities are staged in one statement (one scan of the source, not one per partition), judged, then streamed.
      await conns[0].run(sql.stage(table(0), 0, 1));
      const report = await gateStagedRows(conns[0], view.name, rules, table(0), sql.layout);
      enforceReport(report, `materializing ${options.start?.toISOString() ?? '(start)'}..${options.end.toISOString()}`);
      options.onTotal?.(report.rows);
      options.onValidated?.(report);
      const prepared = await prepare(conns[0], sql.encode(table(0)), report.rows, 0);
      await reader.read(conns[0], prepared.sql, report.rows);
      await done(conns[0], 0);
      return report.rows;
    }
    let total = 0;
    staging = stage(0);
    for (let p = 0; p < parts; p++) {
      const staged = await staging;
      total += staged.rows;
      options.onTotal?.(Math.round((total / (p + 1)) * parts));
      // Aggregate (and prepare) the next partition on the other connection while this one is read and written.
      staging = p + 1 < parts ? stage(p + 1) : Promise.resolve({ rows: 0, sql: '' });
      staging.catch(() => undefined);
      const conn = conns[p % 2]!;
      await reader.read(conn, staged.sql, staged.rows);
      await done(conn, p);
    }
    return total;
  } finally {
    // Never close a connection under a running statement.
    await staging.catch(() => undefined);
    for (const conn of conns) conn.closeSync();
  }
}

interface Staged {
  rows: number;
  sql: string;
}

/**
 * Streams the latest row per entity of `view` in [start, end) to `consume`, one bounded batch at a time; resolves
 * with the number of rows once every batch was consumed (a failure in `consume` stops the export).
 */
export function exportLatestRows(
  ctx: EngineContext,
  view: FeatureView,
  options: LatestRowsOptions,
  consume: (batch: LatestRow[]) => Promise<void>,
): Promise<number> {
  const batchRows = options.batchRows ?? 10_000;
  return exportLatest(ctx, view, options, { read: (conn, encode) => streamEncoded(conn, encode, batchRows, consume) });
}

/** Earliest event time of a view (first incremental run of a view without TTL), or undefined when it is empty. */
export async function earliestEventTime(ctx: EngineContext, view: FeatureView): Promise<Date | undefined> {
  await ctx.offline.refresh();
  const rows = viewRows(ctx, view, []);
  return ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(`SELECT epoch_ms(min(${TS}))::DOUBLE FROM ${rows.relation}`);
    const ms = reader.getRowsJS()[0]?.[0];
    return typeof ms === 'number' ? new Date(ms) : undefined;
  });
}
