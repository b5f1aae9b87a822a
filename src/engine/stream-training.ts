/**
 * A stream view as one step of getHistoricalFeatures: for each entity row (__ff_row, join keys, request time T) the
 * value of every feature over every window, computed directly from the stream source's offline relation (its batch
 * source) over exactly the events serving merges from the tiles: same key, t <= T and tile >= firstWindowTile(T, W)
 * (the window start rounded down to its tile, src/registry/stream-tiles.ts). Functions as the batch engine has them
 * (counts BIGINT and 0 when none, sum/avg/stddev DOUBLE, stddev the sample one, last by event time then value).
 *
 * The events are first projected on their own (values and filters evaluated there, so a filter naming a join key
 * cannot bind to the entity row's column), then range-joined to the rows once, for the longest window; each
 * (feature, window) is an aggregate FILTERed to its window's start.
 */
import { aggregationColumnName } from '../registry/features.js';
import type { AggregationFeature } from '../registry/schema.js';
import { ident, integer } from './sql.js';
import { eventMicrosSql, featureValueSql, floorDivSql } from './stream-sql.js';

export interface StreamTrainingSpec {
  /** Relation of entity rows: `__ff_row`, the join keys, and the request time column. */
  rows: string;
  /** Column of `rows` holding the request time (anything CAST to TIMESTAMPTZ reads as an instant). */
  timeColumn: string;
  /** The stream source's offline relation (sourceRelation of the stream source = its batch source). */
  events: string;
  joinKeys: readonly string[];
  timestampField: string;
  features: readonly AggregationFeature[];
  /** As written in the registry (they name the columns `<feature>_<window>`). */
  windows: ReadonlyArray<string | number>;
  windowMicros: readonly number[];
  tileMicros: number;
}

/** SELECT __ff_row, then one column per feature and window, in features-then-windows order; one row per entity row. */
export function streamTrainingSql(spec: StreamTrainingSpec): string {
  const keys = spec.joinKeys.map(ident);
  const tile = integer(spec.tileMicros);
  const starts = spec.windowMicros.map(
    (w, j) => `${floorDivSql(`__ff_t - ${integer(w)}`, spec.tileMicros)} * ${tile} AS __ff_lo${j}`,
  );
  const projected = spec.features.flatMap((f, i) => {
    const { value, filter } = featureValueSql(f);
    return [`${value ?? 'NULL'} AS __ff_x${i}`, `coalesce(${filter}, FALSE) AS __ff_f${i}`];
  });
  const outputs = spec.features.flatMap((f, i) =>
    spec.windows.map((w, j) => `${aggregate(f, i, j)} AS ${ident(aggregationColumnName(f.name, w))}`),
  );
  const longest = spec.windowMicros.reduce((a, b, j) => (b > (spec.windowMicros[a] ?? 0) ? j : a), 0);
  return `WITH __ff_req AS (
      SELECT __ff_row, ${keys.join(', ')}, epoch_us(CAST(${ident(spec.timeColumn)} AS TIMESTAMPTZ)) AS __ff_t FROM ${spec.rows}
    ), __ff_req_lo AS (
      SELECT *, ${starts.join(', ')} FROM __ff_req
    ), __ff_ev AS (
      SELECT ${keys.join(', ')}, ${eventMicrosSql(spec.timestampField)} AS __ff_e, ${projected.join(', ')}
      FROM ${spec.events}
      WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}
    )
    SELECT r.__ff_row, ${outputs.join(', ')}
    FROM __ff_req_lo r
    LEFT JOIN __ff_ev e ON ${keys.map((k) => `e.${k} = r.${k}`).join(' AND ')}
      AND e.__ff_e <= r.__ff_t AND e.__ff_e >= r.__ff_lo${longest}
    GROUP BY r.__ff_row`;
}

/** Feature i over window j, from the joined events (e.__ff_e NULL when the row matched none). */
function aggregate(f: AggregationFeature, i: number, j: number): string {
  const x = `e.__ff_x${i}`;
  const inWindow = `e.__ff_e >= r.__ff_lo${j} AND e.__ff_f${i}`;
  const filter = (extra?: string) => ` FILTER (WHERE ${inWindow}${extra ? ` AND ${extra}` : ''})`;
  switch (f.function) {
    case 'count':
      return `CAST(count(${f.column === undefined ? 'e.__ff_e' : x})${filter()} AS BIGINT)`;
    case 'sum':
      return `CAST(sum(CAST(${x} AS DOUBLE))${filter()} AS DOUBLE)`;
    case 'avg':
      return `CAST(avg(CAST(${x} AS DOUBLE))${filter()} AS DOUBLE)`;
    case 'min':
    case 'max':
      return `${f.function}(${x})${filter()}`;
    case 'stddev':
      return `CAST(stddev_samp(CAST(${x} AS DOUBLE))${filter()} AS DOUBLE)`;
    case 'count_distinct':
      return `CAST(count(DISTINCT ${x})${filter()} AS BIGINT)`;
    case 'last':
      // The greatest event time, ties to the greater value: as the tiles' merge (tile-codec.ts).
      return `struct_extract(max(struct_pack(e := e.__ff_e, v := ${x}))${filter(`${x} IS NOT NULL`)}, 'v')`;
  }
}
