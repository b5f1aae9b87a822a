/**
 * SQL for the point-in-time joins (SPEC section 2). The views are chained on the entity rows: each step ASOF-joins
 * one view to the rows so far (entity columns, __ff_row and the features joined before) into a new temp table, so
 * the result needs no combine-by-row-id at the end, only the sort back into input order. One view per statement:
 * several ASOF joins in one query hold every view's sorted rows at once (duckdb issue 17001, and measured: 1.35 GB
 * against 0.86 GB at 1M x 10M), while a step frees the previous view before the next is read.
 *
 * For an entity row at T the view row must have the same keys and e <= T (and e >= T - ttl); the greatest e wins,
 * then the greatest created time. ASOF picks the greatest row under a single inequality, so when a view has a
 * created time the inequality orders (e, created) in one value: a packed BIGINT when the times fit one
 * (pit-key.ts), else structs, (T, +inf) >= (e, created), which select the greatest e and, among equal e, the
 * greatest created in the same single pass.
 */
import { ENTITIES, ROW } from './entities.js';
import { KEY, entityKey, keyEventMicros, withPackedKey } from './pit-key.js';
import { ident, integer, literal } from './sql.js';
import { CREATED, TS, type ViewRows } from './view-rows.js';

export interface JoinedFeature {
  /** Column in the view's rows. */
  feature: string;
  /** Column in the output (`feature` or `view__feature`). */
  output: string;
}

function ttlCondition(rows: ViewRows, viewTs: string, entityTs: string): string {
  if (rows.ttlSeconds <= 0) return 'TRUE';
  return `${viewTs} >= ${entityTs} - to_seconds(${integer(rows.ttlSeconds)})`;
}

/**
 * Whether the row the ASOF join found may be used, or undefined when every found row may. With a TTL the times
 * are compared as integer microseconds: TIMESTAMPTZ minus an interval goes through ICU's calendar and measured
 * ~100 ms of CPU per million rows. epoch_us is NULL for an infinite time, and then only equal times qualify, as
 * ICU's arithmetic had it (infinity minus a TTL is infinity); a NULL entity time makes both NULL: no row. Without
 * a TTL only a NULL entity time disqualifies, and the check is left out when the entity rows have none.
 */
function foundRowQualifies(rows: ViewRows, entityTs: string, nullTimes: boolean, packed: boolean): string | undefined {
  const viewTs = `v.${TS}`;
  if (rows.ttlSeconds > 0) {
    const ttlMicros = `${integer(rows.ttlSeconds)}::BIGINT * 1000000`;
    // Packed-key rows are all finite: an infinite or NULL entity time (NULL micros) takes none of them.
    if (packed) return `${keyEventMicros(`v.${KEY}`)} >= epoch_us(${entityTs}) - ${ttlMicros}`;
    return `coalesce(epoch_us(${viewTs}) >= epoch_us(${entityTs}) - ${ttlMicros}, ${viewTs} = ${entityTs})`;
  }
  return nullTimes ? `${entityTs} IS NOT NULL` : undefined;
}

function keyMatch(rows: ViewRows): string {
  return rows.joinKeys.map((k) => `e.${ident(k)} = v.${ident(k)}`).join(' AND ');
}

/** How a view with created times breaks ties on event time: a packed BIGINT key (pit-key.ts) or a struct. */
export type TieBreak = 'packed' | 'struct';

/** One chained step: a view's rows and the features to take from them. */
export interface PitStep {
  rows: ViewRows;
  features: readonly JoinedFeature[];
  /** Entity column holding the row's time. */
  timestampColumn: string;
  /** Whether some entity row has a NULL time (loadEntities counts them); without any, no row is checked for one. */
  nullTimes: boolean;
}

/**
 * SELECT of every column of `source` (the entity rows, or the previous step) and the view's features, one row per
 * source row. `tieBreak` matters only for a view with created times.
 */
export function pitStepSelect(source: string, step: PitStep, tieBreak: TieBreak): string {
  const { rows, features, timestampColumn } = step;
  const entityTs = `e.${ident(timestampColumn)}`;
  // A view row without event time (or packed key) is left in: DuckDB's ASOF pairs it with no entity time, only
  // with a NULL one, which foundRowQualifies turns away (test/unit/engine/pit-null-view-times.test.ts). Filtering
  // such rows out cost 5-10% of each join (bench/pit: 1.98 -> 1.84 s for the three), though Parquet statistics
  // said none was NULL. The struct below is never NULL, so that fallback path still drops them.
  let relation = rows.relation;
  let inequality = `${entityTs} >= v.${TS}`;
  if (rows.hasCreated && tieBreak === 'packed') {
    relation = withPackedKey(relation);
    inequality = `${entityKey(entityTs)} >= v.${KEY}`;
  } else if (rows.hasCreated) {
    relation = `(SELECT * FROM ${rows.relation} WHERE ${TS} IS NOT NULL)`;
    inequality =
      `struct_pack(t := ${entityTs}, c := 'infinity'::TIMESTAMPTZ) >= ` +
      `struct_pack(t := v.${TS}, c := coalesce(v.${CREATED}, '-infinity'::TIMESTAMPTZ))`;
  }
  // DuckDB's ASOF can pair a NULL entity time with some row of its keys (seen with 150 rows); such a row has
  // no time to be at or before, so it gets nothing (foundRowQualifies).
  const qualifies = foundRowQualifies(rows, entityTs, step.nullTimes, rows.hasCreated && tieBreak === 'packed');
  const select = features.map((f) =>
    qualifies === undefined
      ? `v.${ident(f.feature)} AS ${ident(f.output)}`
      : `CASE WHEN ${qualifies} THEN v.${ident(f.feature)} END AS ${ident(f.output)}`,
  );
  return `SELECT e.*, ${select.join(', ')}
    FROM ${source} e
    ASOF LEFT JOIN ${relation} v ON ${keyMatch(rows)} AND ${inequality}`;
}

/** Statement creating temp table `target` from pitStepSelect over table `source`. */
export function pitStepSql(target: string, source: string, step: PitStep, tieBreak: TieBreak): string {
  return `CREATE OR REPLACE TEMP TABLE ${ident(target)} AS
    ${pitStepSelect(ident(source), step, tieBreak)}`;
}

/**
 * With filterByCreatedTimestamp a row also needs created <= T, a second inequality ASOF cannot express, so this
 * joins every candidate row in range and keeps the greatest (e, created) per entity row, into a table keyed by
 * __ff_row (joined to the chained rows at the end). Rows without a created time count as created at their event
 * time.
 */
export function pitJoinFilteredSql(
  target: string,
  rows: ViewRows,
  features: readonly JoinedFeature[],
  timestampColumn: string,
): string {
  const entityTs = `e.${ident(timestampColumn)}`;
  const created = `coalesce(v.${CREATED}, v.${TS})`;
  // Same order as the ASOF path: a missing created time loses a tie on event time.
  const order = `struct_pack(t := v.${TS}, c := coalesce(v.${CREATED}, '-infinity'::TIMESTAMPTZ))`;
  const ttl = ttlCondition(rows, `v.${TS}`, entityTs);
  const packed = features.map((f) => `${ident(f.output)} := v.${ident(f.feature)}`).join(', ');
  const unpack = features.map((f) => `struct_extract(c.best, ${literal(f.output)}) AS ${ident(f.output)}`).join(', ');
  const keys = rows.joinKeys.map(ident).join(', ');
  return `CREATE OR REPLACE TEMP TABLE ${ident(target)} AS
    WITH candidates AS (
      SELECT e.${ROW}, arg_max(struct_pack(${packed}), ${order}) AS best
      FROM (SELECT ${ROW}, ${keys}, ${ident(timestampColumn)} FROM ${ENTITIES}) e
      JOIN ${rows.relation} v
        ON ${keyMatch(rows)} AND v.${TS} <= ${entityTs} AND ${created} <= ${entityTs} AND ${ttl}
      GROUP BY e.${ROW}
    )
    SELECT e.${ROW}, ${unpack}
    FROM (SELECT ${ROW} FROM ${ENTITIES}) e LEFT JOIN candidates c ON c.${ROW} = e.${ROW}`;
}

/** Where a view's outputs ended up: in the chained rows, or in a table of their own keyed by __ff_row. */
export type JoinedView = { outputs: readonly string[] } & ({ chained: true } | { table: string });

/**
 * The final SELECT over `chained` (the last step: a table name, quoted, or a step's SELECT, parenthesised) and the
 * filtered tables: the entity columns as given (timestamp normalised), then every view's features in request
 * order, rows in input order.
 */
export function combineSql(chained: string, entityColumns: readonly string[], views: readonly JoinedView[]): string {
  const columns = entityColumns.map((c) => `e.${ident(c)}`);
  const from: string[] = [];
  views.forEach((view, i) => {
    const alias = 'table' in view ? `f${i}` : 'e';
    if ('table' in view) from.push(`LEFT JOIN ${ident(view.table)} ${alias} ON ${alias}.${ROW} = e.${ROW}`);
    for (const o of view.outputs) columns.push(`${alias}.${ident(o)}`);
  });
  return `SELECT ${columns.join(', ')}
    FROM ${chained} e
    ${from.join('\n    ')}
    ORDER BY e.${ROW}`;
}
