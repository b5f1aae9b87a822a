/**
 * Micro-batch partials of a stream view: DuckDB folds one batch of parsed events into one row per (entity, tile)
 * holding each feature's tile state (src/online/tile-codec.ts), which the ingest loop merges into Redis. The events
 * are typed as the view's batch source types its columns, and `column` and `filter` are evaluated by DuckDB as in
 * training, so an expression means the same thing online and offline.
 *
 * Loading: the whole batch goes in as ONE VARCHAR parameter (a JSON array) that json_transform types in C++; bench
 * /stream/partials-load.ts measured it against a typed appender and a one-VARCHAR-per-event appender (figures in
 * its header). The engine knows nothing of Redis: rows carry key values; the caller encodes entity keys.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { AggregationFeature } from '../registry/schema.js';
import { encodeTileState, MAX_DISTINCT_PER_TILE, type TileKind, type TileState } from '../online/tile-codec.js';
import { duckdbMessage, InvalidRequestError, SourceError } from './errors.js';
import { ident, literal } from './sql.js';
import { featureValueSql, floorDivSql, isNumericType } from './stream-sql.js';

export interface StreamPartialsSpec {
  /** The view's join keys, in order (PartialRow.keyValues follows it). */
  joinKeys: readonly string[];
  features: readonly AggregationFeature[];
  /** The stream source's timestampField; its column (when a timestamp type) is set from StreamEvent.micros. */
  timestampField: string;
  tileMicros: number;
  /** The stream source's offline relation's columns (describeRelation of its batch source): name -> DuckDB type. */
  columns: ReadonlyMap<string, string>;
}

/** One valid event: its time (parsed by the ingest loop) and its JSON object, as received text or parsed. */
export interface StreamEvent {
  micros: number;
  json?: string;
  record?: Record<string, unknown>;
}

export interface PartialRow {
  /** Join-key values as DuckDB returns them in JS (BIGINT as bigint, VARCHAR as string). */
  keyValues: unknown[];
  tile: number;
  /** Latest event time in this (entity, tile). */
  maxMicros: number;
  /** [feature index, kind, encoded state]; features without a qualifying value are absent. */
  states: Array<readonly [number, TileKind, string]>;
}

export interface PartialsResult {
  rows: PartialRow[];
  /** count_distinct values beyond MAX_DISTINCT_PER_TILE in one tile, dropped. */
  overflow: number;
  /** Events whose join key is NULL once typed as the batch source types it (e.g. "abc" for a BIGINT key). */
  untypedKeys: number;
}

const SCALAR_TYPE_RE = /^[A-Z ]+(\(\d+,\s*\d+\))?$/i;
const TIMESTAMP_TYPE_RE = /^TIMESTAMP( WITH TIME ZONE|TZ|_S|_MS|_NS)?$/i;

/** The batch's events typed as the batch source's columns, plus __ff_micros; `json` is SQL for a JSON array text. */
export function typedEventsSql(spec: StreamPartialsSpec, json: string): string {
  const record: Record<string, string> = {};
  const select: string[] = [];
  for (const [name, type] of spec.columns) {
    // json_transform takes scalar type names; nested types go through JSON and a CAST.
    const scalar = SCALAR_TYPE_RE.test(type);
    record[name] = scalar ? type : 'JSON';
    const field = `struct_extract(__ff_x.r, ${literal(name)})`;
    if (name === spec.timestampField && TIMESTAMP_TYPE_RE.test(type)) {
      select.push(`CAST(make_timestamptz(__ff_x.m) AS ${type}) AS ${ident(name)}`);
    } else {
      select.push(`${scalar ? field : `CAST(${field} AS ${type})`} AS ${ident(name)}`);
    }
  }
  const structure = JSON.stringify([{ m: 'BIGINT', r: record }]);
  return `SELECT ${select.join(', ')}, __ff_x.m AS __ff_micros
    FROM (SELECT unnest(json_transform(CAST(${json} AS VARCHAR), ${literal(structure)})) AS __ff_x)`;
}

function where(...conditions: string[]): string {
  return ` FILTER (WHERE ${conditions.join(' AND ')})`;
}

const p = (i: number, part: string): string => `__ff_p${i}_${part}`;

/** The aggregates of feature i over the events of one (entity, tile). */
function featurePartials(f: AggregationFeature, i: number): string[] {
  const { value, filter } = featureValueSql(f);
  const x = value ?? 'NULL';
  const n = `CAST(count(${value ?? '*'})${where(filter)} AS DOUBLE) AS ${p(i, 'n')}`;
  const double = `CAST(${x} AS DOUBLE)`;
  switch (f.function) {
    case 'count':
      return [n];
    case 'sum':
    case 'avg':
      return [n, `sum(${double})${where(filter)} AS ${p(i, 's')}`];
    case 'min':
    case 'max':
      return [`CAST(${f.function}(${x})${where(filter)} AS DOUBLE) AS ${p(i, 'v')}`];
    case 'stddev':
      return [
        n,
        `avg(${double})${where(filter)} AS ${p(i, 'mean')}`,
        `var_pop(${double})${where(filter)} * count(${x})${where(filter)} AS ${p(i, 'm2')}`,
      ];
    case 'count_distinct':
      // DISTINCT on the values (as training's count(DISTINCT x)), then their JSON texts for the tile.
      return [`list_transform(list(DISTINCT ${x})${where(filter, `${x} IS NOT NULL`)}, lambda __ff_v: CAST(to_json(__ff_v) AS VARCHAR)) AS ${p(i, 'd')}`];
    case 'last': {
      const best = `max(struct_pack(e := __ff_micros, v := ${x}))${where(filter, `${x} IS NOT NULL`)}`;
      return [`CAST(struct_extract(${best}, 'e') AS DOUBLE) AS ${p(i, 'e')}`, `CAST(to_json(struct_extract(${best}, 'v')) AS VARCHAR) AS ${p(i, 'v')}`];
    }
  }
}

/** One row per (entity, tile) of the typed events in `events` (a relation with __ff_micros). */
export function partialsSql(spec: StreamPartialsSpec, events: string): string {
  const keys = spec.joinKeys.map(ident);
  return `SELECT ${keys.join(', ')}, CAST(__ff_tile AS DOUBLE) AS __ff_tile, CAST(max(__ff_micros) AS DOUBLE) AS __ff_max,
      CAST(count(*) AS DOUBLE) AS __ff_events, ${spec.features.flatMap(featurePartials).join(', ')}
    FROM (SELECT *, ${floorDivSql('__ff_micros', spec.tileMicros)} AS __ff_tile FROM (${events}) __ff_e) __ff_t
    WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}
    GROUP BY ALL`;
}

type Row = Record<string, unknown>;
const num = (row: Row, name: string): number | null => (typeof row[name] === 'number' ? row[name] : null);

function stateOf(f: AggregationFeature, i: number, row: Row, stats: { overflow: number }): TileState | undefined {
  const kind = f.function;
  const n = num(row, p(i, 'n')) ?? 0;
  switch (kind) {
    case 'count':
      return n > 0 ? { kind, n } : undefined;
    case 'sum':
    case 'avg':
      return n > 0 ? { kind, n, s: num(row, p(i, 's')) ?? 0 } : undefined;
    case 'min':
    case 'max': {
      const v = num(row, p(i, 'v'));
      return v === null ? undefined : { kind, v };
    }
    case 'stddev':
      return n > 0 ? { kind, n, mean: num(row, p(i, 'mean')) ?? 0, m2: num(row, p(i, 'm2')) ?? 0 } : undefined;
    case 'count_distinct': {
      const list = row[p(i, 'd')];
      if (!Array.isArray(list) || list.length === 0) return undefined;
      stats.overflow += Math.max(0, list.length - MAX_DISTINCT_PER_TILE);
      return { kind, values: (list as string[]).slice(0, MAX_DISTINCT_PER_TILE) };
    }
    case 'last': {
      const e = num(row, p(i, 'e'));
      const v = row[p(i, 'v')];
      return e === null || typeof v !== 'string' ? undefined : { kind, e, v };
    }
  }
}

/** Checks what only the column types can tell (min/max numeric) and that the expressions bind. */
async function checkFeatures(conn: DuckDBConnection, spec: StreamPartialsSpec): Promise<void> {
  const empty = typedEventsSql(spec, literal('[]'));
  for (const f of spec.features) {
    if (f.function !== 'min' && f.function !== 'max') continue;
    const { value } = featureValueSql(f);
    const reader = await conn.runAndReadAll(`DESCRIBE SELECT ${value ?? 'NULL'} AS v FROM (${empty}) __ff_e`);
    const type = String(reader.getRowObjectsJS()[0]?.['column_type'] ?? '');
    if (!isNumericType(type)) {
      throw new InvalidRequestError(
        `feature "${f.name}": ${f.function}(${f.column ?? ''}) is ${type}; a stream view takes min and max of numeric columns only (its tiles hold numbers)`,
      );
    }
  }
}

export class StreamPartials {
  private constructor(
    private readonly spec: StreamPartialsSpec,
    private readonly statement: DuckDBPreparedStatement,
  ) {}

  /** Prepares the batch statement on `conn` (the caller's; it must outlive this object). close() frees it. */
  static async open(conn: DuckDBConnection, spec: StreamPartialsSpec): Promise<StreamPartials> {
    try {
      await checkFeatures(conn, spec);
      return new StreamPartials(spec, await conn.prepare(partialsSql(spec, typedEventsSql(spec, '$1'))));
    } catch (err) {
      if (err instanceof InvalidRequestError) throw err;
      throw new SourceError(`stream view partials: ${duckdbMessage(err)}`, { cause: err });
    }
  }

  async aggregate(events: readonly StreamEvent[]): Promise<PartialsResult> {
    if (events.length === 0) return { rows: [], overflow: 0, untypedKeys: 0 };
    const parts: string[] = [];
    for (const e of events) parts.push(`{"m":${Math.trunc(e.micros)},"r":${e.json ?? JSON.stringify(e.record ?? {})}}`);
    this.statement.bindVarchar(1, `[${parts.join(',')}]`);
    const reader = await this.statement.runAndReadAll();
    const stats = { overflow: 0 };
    let folded = 0;
    const rows = reader.getRowObjectsJS().map((row): PartialRow => {
      folded += num(row, '__ff_events') ?? 0;
      const states: Array<readonly [number, TileKind, string]> = [];
      this.spec.features.forEach((f, i) => {
        const state = stateOf(f, i, row, stats);
        if (state !== undefined) states.push([i, f.function, encodeTileState(state)]);
      });
      return {
        keyValues: this.spec.joinKeys.map((k) => row[k]),
        tile: num(row, '__ff_tile') ?? 0,
        maxMicros: num(row, '__ff_max') ?? 0,
        states,
      };
    });
    return { rows, overflow: stats.overflow, untypedKeys: events.length - folded };
  }

  close(): void {
    this.statement.destroySync();
  }
}
