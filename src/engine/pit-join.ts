/**
 * SQL for joining one feature view to the entity rows, point-in-time correct (SPEC section 2). One view per
 * statement: several ASOF joins in one query can take many times the memory (duckdb issue 17001).
 *
 * For an entity row at T the view row must have the same keys and e <= T (and e >= T - ttl); the greatest e wins,
 * then the greatest created time. ASOF picks the greatest row under a single inequality, so when a view has a
 * created time we compare (e, created) structs: (T, +inf) >= (e, created) selects the greatest e and, among
 * equal e, the greatest created, in the same single pass.
 */
import { ENTITIES, ROW } from './entities.js';
import { ident, integer, literal } from './sql.js';
import { CREATED, TS, type ViewRows } from './view-rows.js';

export interface JoinedFeature {
  /** Column in the view's rows. */
  feature: string;
  /** Column in the output (`feature` or `view__feature`). */
  output: string;
}

const ENTITY_TS = '__ff_t';

function ttlCondition(rows: ViewRows, viewTs: string): string {
  if (rows.ttlSeconds <= 0) return 'TRUE';
  return `${viewTs} >= e.${ENTITY_TS} - to_seconds(${integer(rows.ttlSeconds)})`;
}

function entitySide(rows: ViewRows, timestampColumn: string): string {
  const keys = rows.joinKeys.map(ident).join(', ');
  return `(SELECT ${ROW}, ${keys}, ${ident(timestampColumn)} AS ${ENTITY_TS} FROM ${ENTITIES})`;
}

function keyMatch(rows: ViewRows): string {
  return rows.joinKeys.map((k) => `e.${ident(k)} = v.${ident(k)}`).join(' AND ');
}

/** Statement creating temp table `target` with one row per entity row: __ff_row and the view's features. */
export function pitJoinSql(
  target: string,
  rows: ViewRows,
  features: readonly JoinedFeature[],
  timestampColumn: string,
): string {
  const inequality = rows.hasCreated
    ? `struct_pack(t := e.${ENTITY_TS}, c := 'infinity'::TIMESTAMPTZ) >= ` +
      `struct_pack(t := v.${TS}, c := coalesce(v.${CREATED}, '-infinity'::TIMESTAMPTZ))`
    : `e.${ENTITY_TS} >= v.${TS}`;
  const ttl = ttlCondition(rows, `v.${TS}`);
  const select = features.map((f) => `CASE WHEN ${ttl} THEN v.${ident(f.feature)} END AS ${ident(f.output)}`);
  return `CREATE OR REPLACE TEMP TABLE ${ident(target)} AS
    SELECT e.${ROW}, ${select.join(', ')}
    FROM ${entitySide(rows, timestampColumn)} e
    ASOF LEFT JOIN ${rows.relation} v ON ${keyMatch(rows)} AND ${inequality}`;
}

/**
 * With filterByCreatedTimestamp a row also needs created <= T, a second inequality ASOF cannot express, so this
 * joins every candidate row in range and keeps the greatest (e, created) per entity row. Rows without a created
 * time count as created at their event time.
 */
export function pitJoinFilteredSql(
  target: string,
  rows: ViewRows,
  features: readonly JoinedFeature[],
  timestampColumn: string,
): string {
  const created = `coalesce(v.${CREATED}, v.${TS})`;
  // Same order as the ASOF path: a missing created time loses a tie on event time.
  const order = `struct_pack(t := v.${TS}, c := coalesce(v.${CREATED}, '-infinity'::TIMESTAMPTZ))`;
  const ttl = ttlCondition(rows, `v.${TS}`);
  const packed = features.map((f) => `${ident(f.output)} := v.${ident(f.feature)}`).join(', ');
  const unpack = features.map((f) => `struct_extract(c.best, ${literal(f.output)}) AS ${ident(f.output)}`).join(', ');
  return `CREATE OR REPLACE TEMP TABLE ${ident(target)} AS
    WITH candidates AS (
      SELECT e.${ROW}, arg_max(struct_pack(${packed}), ${order}) AS best
      FROM ${entitySide(rows, timestampColumn)} e
      JOIN ${rows.relation} v
        ON ${keyMatch(rows)} AND v.${TS} <= e.${ENTITY_TS} AND ${created} <= e.${ENTITY_TS} AND ${ttl}
      GROUP BY e.${ROW}
    )
    SELECT e.${ROW}, ${unpack}
    FROM (SELECT ${ROW} FROM ${ENTITIES}) e LEFT JOIN candidates c ON c.${ROW} = e.${ROW}`;
}

/** The final SELECT: entity columns as given (timestamp normalised), then every view's features, input order. */
export function combineSql(
  entityColumns: readonly string[],
  joins: ReadonlyArray<{ table: string; outputs: readonly string[] }>,
): string {
  const columns = [
    ...entityColumns.map((c) => `e.${ident(c)}`),
    ...joins.flatMap((j, i) => j.outputs.map((o) => `j${i}.${ident(o)}`)),
  ];
  const from = joins.map((j, i) => `LEFT JOIN ${ident(j.table)} j${i} ON j${i}.${ROW} = e.${ROW}`).join('\n    ');
  return `SELECT ${columns.join(', ')}
    FROM ${ENTITIES} e
    ${from}
    ORDER BY e.${ROW}`;
}
