/**
 * Latest row per entity of a view within [start, end) (SPEC section 3: greatest event time, then greatest created
 * time), encoded for the online store by DuckDB and handed to the caller in batches. The rows are staged in a
 * temp table first so the caller knows the total for progress; DuckDB spills it when memory is short.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { viewFeatures } from '../registry/features.js';
import type { Dtype } from '../registry/dtypes.js';
import type { FeatureView } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import { InvalidRequestError } from './errors.js';
import { entityKeyPart, payloadExpr } from './json-encoding.js';
import { describeRelation } from './sources.js';
import { ident, literal } from './sql.js';
import { CREATED, TS, viewRows } from './view-rows.js';

export interface LatestRow {
  /** Encoded entity key (online store layout), e.g. `i42` or `i42,sabc`. */
  entityKey: string;
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
  /** Called once the rows are staged, with their count, before the first batch. */
  onTotal?: (rows: number) => void;
}

const STAGE = '__ff_latest';

function isoLiteral(date: Date): string {
  return `CAST(${literal(date.toISOString())} AS TIMESTAMPTZ)`;
}

async function stageSql(ctx: EngineContext, conn: DuckDBConnection, view: FeatureView, options: LatestRowsOptions): Promise<string> {
  const features = viewFeatures(view);
  const untyped = features.filter((f) => f.dtype === undefined).map((f) => f.name);
  if (untyped.length > 0) {
    throw new InvalidRequestError(`view "${view.name}": features ${untyped.join(', ')} have no dtype to encode them with`);
  }
  const rows = viewRows(ctx, view, features.map((f) => f.name));
  const types = await describeRelation(conn, rows.relation);
  const entityByKey = new Map(
    view.entities.flatMap((name) => {
      const entity = ctx.repo.entities.find((e) => e.name === name);
      return (entity?.joinKeys ?? []).map((k) => [k, entity?.valueType as Dtype | undefined] as const);
    }),
  );
  const keyParts = rows.joinKeys.map((k) => entityKeyPart(`b.${ident(k)}`, types.get(k) ?? '', entityByKey.get(k), k));
  const fields = features.map((f, i) => `${ident(`f${i}`)} := b.${ident(f.name)}`);
  const payload = payloadExpr(features.map((f, i) => ({ expr: `struct_extract(s.best, ${literal(`f${i}`)})`, dtype: f.dtype as Dtype })));
  const where = [
    `b.${TS} < ${isoLiteral(options.end)}`,
    ...(options.start ? [`b.${TS} >= ${isoLiteral(options.start)}`] : []),
    ...rows.joinKeys.map((k) => `b.${ident(k)} IS NOT NULL`),
  ];
  const order = `struct_pack(t := b.${TS}, c := coalesce(b.${CREATED}, '-infinity'::TIMESTAMPTZ))`;
  return `CREATE OR REPLACE TEMP TABLE ${STAGE} AS
    SELECT s.k AS k, epoch_us(struct_extract(s.best, '__t'))::DOUBLE AS t,
           epoch_us(struct_extract(s.best, '__c'))::DOUBLE AS c, ${payload} AS p
    FROM (
      SELECT ${keyParts.join(` || ',' || `)} AS k,
             arg_max(struct_pack(__t := b.${TS}, __c := b.${CREATED}${fields.length ? ', ' : ''}${fields.join(', ')}), ${order}) AS best
      FROM ${rows.relation} b
      WHERE ${where.join(' AND ')}
      GROUP BY ALL
    ) s`;
}

/**
 * Streams the latest row per entity of `view` in [start, end) to `consume`, one bounded batch at a time; resolves
 * with the number of rows once every batch was consumed (so a failure in `consume` stops the export).
 */
export async function exportLatestRows(
  ctx: EngineContext,
  view: FeatureView,
  options: LatestRowsOptions,
  consume: (batch: LatestRow[]) => Promise<void>,
): Promise<number> {
  const batchRows = options.batchRows ?? 10_000;
  return ctx.db.withConnection(async (conn) => {
    await conn.run('SET preserve_insertion_order = false');
    await conn.run(await stageSql(ctx, conn, view, options));
    const total = Number((await conn.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${STAGE}`)).getRowsJS()[0]?.[0] ?? 0);
    options.onTotal?.(total);
    const result = await conn.stream(`SELECT k, t, c, p FROM ${STAGE}`);
    let batch: LatestRow[] = [];
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const [keys, events, created, payloads] = [0, 1, 2, 3].map((i) => chunk.getColumnValues(i));
      for (let i = 0; i < chunk.rowCount; i++) {
        batch.push({
          entityKey: keys?.[i] as string,
          eventMicros: events?.[i] as number,
          createdMicros: (created?.[i] as number | null) ?? null,
          payload: payloads?.[i] as string,
        });
        if (batch.length >= batchRows) {
          await consume(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await consume(batch);
    await conn.run(`DROP TABLE IF EXISTS ${STAGE}`);
    return total;
  });
}

/** Earliest event time of a view (first incremental run of a view without TTL), or undefined when it is empty. */
export async function earliestEventTime(ctx: EngineContext, view: FeatureView): Promise<Date | undefined> {
  const rows = viewRows(ctx, view, []);
  return ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(`SELECT epoch_ms(min(${TS}))::DOUBLE FROM ${rows.relation}`);
    const ms = reader.getRowsJS()[0]?.[0];
    return typeof ms === 'number' ? new Date(ms) : undefined;
  });
}
