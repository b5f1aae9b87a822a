/**
 * Micro-batch partials of a stream view: DuckDB folds one batch of parsed events into one row per (entity, tile)
 * holding each feature's tile state (src/online/tile-codec.ts), which the ingest loop merges into Redis. The events
 * are typed as the view's batch source types its columns, and `column` and `filter` are evaluated by DuckDB as in
 * training, so an expression means the same thing online and offline.
 *
 * Loading: the whole batch goes in as ONE bound VARCHAR (a JSON array of {"m": micros, "r": event as received})
 * that json_transform types in C++, into a statement prepared once. bench/stream/partials-load.ts measured the
 * options (5,000-event batches, load ~3 on 2 cores): this ~18-30 ms per batch and ~3.6 ms fixed cost for a 50-event
 * batch; an appender of one VARCHAR per event into a temp table about the same for large batches but ~7 ms fixed
 * (it cannot be prepared, below); a typed appender (every value typed in JS) ~27-34 ms with more main-thread time.
 * A statement over a TABLE must not be prepared: DuckDB 1.5.5 plans GROUP BY keys with the statistics the table
 * had when prepared (compressed materialization), and one prepared over the then empty table grouped later rows
 * under wrong keys (2,173 groups instead of 5,000 in the bench). A parameter has no statistics, so this is safe.
 * The engine knows nothing of Redis: rows carry key values; the caller encodes entity keys.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { AggregationFeature } from '../registry/schema.js';
import { joinTileStates, MAX_DISTINCT_PER_TILE, type TileKind } from '../online/tile-codec.js';
import { duckdbMessage, InvalidRequestError, SourceError } from './errors.js';
import { ident, literal } from './sql.js';
import { StreamFold } from './stream-fold.js';
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
  /** Events folded into this row (so a caller that cannot use the row can count them as invalid). */
  events: number;
  /** [feature index, kind, encoded state]; features without a qualifying value are absent. */
  states: Array<readonly [number, TileKind, string]>;
}

/** A PartialRow with every feature's state joined as a tile field holds them (joinTileStates, "" where absent). */
export type JoinedPartialRow = Omit<PartialRow, 'states'> & { joined: string };

export interface JoinedPartialsResult extends Omit<PartialsResult, 'rows'> {
  rows: JoinedPartialRow[];
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

/** json_transform's structure for one event's object: the batch source's column types (nested ones as JSON). */
export function eventStructure(spec: StreamPartialsSpec): Record<string, string> {
  return Object.fromEntries([...spec.columns].map(([name, type]) => [name, SCALAR_TYPE_RE.test(type) ? type : 'JSON']));
}

/**
 * The events typed as the batch source's columns, plus __ff_micros, from `rows`: a relation whose column __ff_x is
 * a STRUCT(m BIGINT, r STRUCT(<eventStructure>)).
 */
export function typedEventsFrom(spec: StreamPartialsSpec, rows: string): string {
  const select: string[] = [];
  for (const [name, type] of spec.columns) {
    const field = `struct_extract(__ff_x.r, ${literal(name)})`;
    if (name === spec.timestampField && TIMESTAMP_TYPE_RE.test(type)) {
      select.push(`CAST(make_timestamptz(__ff_x.m) AS ${type}) AS ${ident(name)}`);
    } else {
      select.push(`${SCALAR_TYPE_RE.test(type) ? field : `CAST(${field} AS ${type})`} AS ${ident(name)}`);
    }
  }
  return `SELECT ${select.join(', ')}, __ff_x.m AS __ff_micros FROM ${rows}`;
}

/** The batch's typed events from `json`, SQL for a text holding a JSON array of {"m": micros, "r": event}. */
export function jsonEventsSql(spec: StreamPartialsSpec, json: string): string {
  const structure = literal(JSON.stringify([{ m: 'BIGINT', r: eventStructure(spec) }]));
  return typedEventsFrom(spec, `(SELECT unnest(json_transform(CAST(${json} AS VARCHAR), ${structure})) AS __ff_x) __ff_j`);
}

function where(...conditions: string[]): string {
  return ` FILTER (WHERE ${conditions.join(' AND ')})`;
}

const p = (i: number, part: string): string => `__ff_p${i}_${part}`;
const text = (sql: string): string => `CAST(${sql} AS VARCHAR)`;

/**
 * Feature i over the events of one (entity, tile): the aggregates (inner query) and the tile-codec state text made
 * of them (outer query; NULL when the tile holds no qualifying value). DuckDB writes a DOUBLE as the shortest text
 * that reads back as the same double, as the codec does, so the texts need no decoding in JS.
 */
function featurePartials(f: AggregationFeature, i: number): { aggregates: string[]; state: string } {
  const { value, filter } = featureValueSql(f);
  const x = value ?? 'NULL';
  const [n, s, v, mean, m2, d, e] = [p(i, 'n'), p(i, 's'), p(i, 'v'), p(i, 'mean'), p(i, 'm2'), p(i, 'd'), p(i, 'e')];
  const count = `count(${value ?? '*'})${where(filter)} AS ${n}`;
  const double = `CAST(${x} AS DOUBLE)`;
  switch (f.function) {
    case 'count':
      return { aggregates: [count], state: `CASE WHEN ${n} > 0 THEN ${text(n)} END` };
    case 'sum':
    case 'avg':
      return { aggregates: [count, `sum(${double})${where(filter)} AS ${s}`], state: `CASE WHEN ${n} > 0 THEN ${text(n)} || ',' || ${text(s)} END` };
    case 'min':
    case 'max':
      return { aggregates: [`CAST(${f.function}(${x})${where(filter)} AS DOUBLE) AS ${v}`], state: text(v) };
    case 'stddev':
      return {
        aggregates: [count, `avg(${double})${where(filter)} AS ${mean}`, `var_pop(${double})${where(filter)} * count(${x})${where(filter)} AS ${m2}`],
        state: `CASE WHEN ${n} > 0 THEN ${text(n)} || ',' || ${text(mean)} || ',' || ${text(m2)} END`,
      };
    case 'count_distinct':
      // DISTINCT on the values (as training's count(DISTINCT x)), then their JSON texts, capped per tile.
      return {
        aggregates: [`list_transform(list(DISTINCT ${x})${where(filter, `${x} IS NOT NULL`)}, lambda __ff_v: CAST(to_json(__ff_v) AS VARCHAR)) AS ${d}`],
        state: `CASE WHEN len(${d}) > 0 THEN array_to_string(list_slice(${d}, 1, ${MAX_DISTINCT_PER_TILE}), chr(31)) END`,
      };
    case 'last': {
      const best = `max(struct_pack(e := __ff_micros, v := ${x}))${where(filter, `${x} IS NOT NULL`)}`;
      return {
        aggregates: [`struct_extract(${best}, 'e') AS ${e}`, `CAST(to_json(struct_extract(${best}, 'v')) AS VARCHAR) AS ${v}`],
        state: `CASE WHEN ${e} IS NOT NULL THEN ${text(e)} || '|' || ${v} END`,
      };
    }
  }
}

/**
 * One row per (entity, tile) of the typed events in `events` (a relation with __ff_micros): the join keys, then
 * tile, latest event time and events (DOUBLE), then each feature's state text, then count_distinct overflows.
 */
export function partialsSql(spec: StreamPartialsSpec, events: string): string {
  const keys = spec.joinKeys.map(ident);
  const features = spec.features.map(featurePartials);
  const overflows = spec.features.flatMap((f, i) =>
    f.function === 'count_distinct' ? [`CAST(greatest(coalesce(len(${p(i, 'd')}), 0) - ${MAX_DISTINCT_PER_TILE}, 0) AS DOUBLE)`] : [],
  );
  return `SELECT ${keys.join(', ')}, CAST(__ff_tile AS DOUBLE), CAST(__ff_max AS DOUBLE), CAST(__ff_events AS DOUBLE),
      ${[...features.map((f) => f.state), ...overflows].join(', ')}
    FROM (
      SELECT ${keys.join(', ')}, __ff_tile, max(__ff_micros) AS __ff_max, count(*) AS __ff_events,
        ${features.flatMap((f) => f.aggregates).join(', ')}
      FROM (SELECT *, ${floorDivSql('__ff_micros', spec.tileMicros)} AS __ff_tile FROM (${events}) __ff_e) __ff_t
      WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}
      GROUP BY ALL
    ) __ff_a`;
}

/** Checks what only the column types can tell (min/max numeric) and that the expressions bind. */
async function checkFeatures(conn: DuckDBConnection, spec: StreamPartialsSpec, events: string): Promise<void> {
  for (const f of spec.features) {
    if (f.function !== 'min' && f.function !== 'max') continue;
    const { value } = featureValueSql(f);
    const reader = await conn.runAndReadAll(`DESCRIBE SELECT ${value ?? 'NULL'} AS v FROM (${events}) __ff_e`);
    const type = String(reader.getRowObjectsJS()[0]?.['column_type'] ?? '');
    if (!isNumericType(type)) {
      throw new InvalidRequestError(
        `feature "${f.name}": ${f.function}(${f.column ?? ''}) is ${type}; a stream view takes min and max of numeric columns only (its tiles hold numbers)`,
      );
    }
  }
  await conn.run(`EXPLAIN ${partialsSql(spec, events)}`);
}

/**
 * One view's partials on one connection, one batch at a time: folded in JavaScript when the view and the batch allow
 * (stream-fold.ts: plain columns, values DuckDB would type the same way), by the prepared statement otherwise.
 */
export class StreamPartials {
  private constructor(
    private readonly spec: StreamPartialsSpec,
    private readonly statement: DuckDBPreparedStatement,
    private readonly fold: StreamFold | undefined,
  ) {}

  /** Prepares the batch statement on `conn` (the caller's; it must outlive this object); close() frees it. */
  static async open(conn: DuckDBConnection, spec: StreamPartialsSpec): Promise<StreamPartials> {
    try {
      await checkFeatures(conn, spec, jsonEventsSql(spec, literal('[]')));
      return new StreamPartials(spec, await conn.prepare(partialsSql(spec, jsonEventsSql(spec, '$1'))), StreamFold.for(spec));
    } catch (err) {
      if (err instanceof InvalidRequestError) throw err;
      throw new SourceError(`stream view partials: ${duckdbMessage(err)}`, { cause: err });
    }
  }

  async aggregate(events: readonly StreamEvent[]): Promise<PartialsResult> {
    if (events.length === 0) return { rows: [], overflow: 0, untypedKeys: 0 };
    const inJs = this.fold?.fold(events);
    return inJs ?? this.aggregateSql(events);
  }

  private async aggregateSql(events: readonly StreamEvent[]): Promise<PartialsResult> {
    const parts: string[] = [];
    for (const e of events) parts.push(`{"m":${Math.trunc(e.micros)},"r":${e.json ?? JSON.stringify(e.record ?? {})}}`);
    this.statement.bindVarchar(1, `[${parts.join(',')}]`);
    const reader = await this.statement.runAndReadAll();
    const { features, joinKeys } = this.spec;
    const k = joinKeys.length;
    let overflow = 0;
    let folded = 0;
    const rows = reader.getRowsJS().map((row): PartialRow => {
      const rowEvents = row[k + 2] as number;
      folded += rowEvents;
      const states: Array<readonly [number, TileKind, string]> = [];
      for (let i = 0; i < features.length; i++) {
        const state = row[k + 3 + i];
        if (typeof state === 'string') states.push([i, (features[i] as AggregationFeature).function, state]);
      }
      for (let j = k + 3 + features.length; j < row.length; j++) overflow += row[j] as number;
      return { keyValues: row.slice(0, k), tile: row[k] as number, maxMicros: row[k + 1] as number, events: rowEvents, states };
    });
    return { rows, overflow, untypedKeys: events.length - folded };
  }

  /** aggregate() with each row's states joined as a tile field holds them: what ingestion writes. */
  async aggregateJoined(events: readonly StreamEvent[]): Promise<JoinedPartialsResult> {
    if (events.length === 0) return { rows: [], overflow: 0, untypedKeys: 0 };
    const inJs = this.fold?.foldJoined(events);
    if (inJs !== undefined) return inJs;
    const result = await this.aggregateSql(events);
    const width = this.spec.features.length;
    const rows = result.rows.map(({ states, ...row }): JoinedPartialRow => {
      const texts = new Array<string>(width).fill('');
      for (const [f, , text] of states) texts[f] = text;
      return { ...row, joined: joinTileStates(texts) };
    });
    return { rows, overflow: result.overflow, untypedKeys: result.untypedKeys };
  }

  close(): void {
    this.statement.destroySync();
  }
}
