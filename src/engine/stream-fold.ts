/**
 * The micro-batch partials of the common stream view folded in JavaScript: count, sum, avg, min, max and
 * count_distinct of plain columns without filters, over integer or text keys. It gives the rows StreamPartials' SQL
 * gives (the same tiles, event counts, latest times and states, property-tested against DuckDB in
 * test/unit/engine/stream-fold.test.ts) at a fraction of the cost: the events are already parsed, and DuckDB's way
 * costs a JSON text of the batch, DuckDB's own parse of it and the result's conversion back (~5 us an event of the
 * ingest bench, against ~1 here).
 *
 * Only values whose type DuckDB would give unambiguously are folded here: a number that is a safe integer for an
 * integer column, a finite number for a DOUBLE, a string for a VARCHAR (JSON-escaping nothing, so its JSON text is
 * its quotes around it as DuckDB's to_json writes it). Anything else (a string amount DuckDB would cast, 5.5 for a
 * BIGINT it would round, 1e400 it reads as NULL, -0 that is 0 or -0.0 by its text) makes fold() answer undefined and the batch goes to DuckDB, so the
 * SQL stays the one definition of what an event means.
 */
import type { AggregationFeature } from '../registry/schema.js';
import { FEATURE_SEPARATOR, type TileKind } from '../online/tile-codec.js';
import { FoldRows, StateTexts } from './stream-fold-rows.js';
import type { JoinedPartialRow, JoinedPartialsResult, PartialRow, PartialsResult, StreamEvent, StreamPartialsSpec } from './stream-partials.js';

/** How a column's JSON value is typed: as DuckDB would for these column types, where it is unambiguous. */
type ColumnKind = 'bigint' | 'integer' | 'double' | 'varchar';

const COLUMN_KINDS: Record<string, ColumnKind> = { BIGINT: 'bigint', INTEGER: 'integer', DOUBLE: 'double', VARCHAR: 'varchar' };
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Plain names SQL reads as values rather than columns. */
const SQL_VALUE_WORDS = new Set(['null', 'true', 'false', 'default', 'user', 'current_date', 'current_time', 'current_timestamp', 'current_user', 'session_user', 'localtime', 'localtimestamp']);
const INT32_MAX = 2 ** 31 - 1;
/** A value the fold cannot type as DuckDB would: the batch goes to DuckDB. */
const UNFIT = Symbol('unfit');

interface FoldFeature {
  kind: TileKind;
  column: string | undefined;
  type: ColumnKind | undefined;
}

/** The typed value of a JSON value for a column kind: null for absent or null, UNFIT when DuckDB must decide. */
function typed(value: unknown, kind: ColumnKind): number | string | null | typeof UNFIT {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case 'bigint':
      // `+ 0`: an integer has no -0.
      return typeof value === 'number' && Number.isSafeInteger(value) ? value + 0 : UNFIT;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT32_MAX ? value + 0 : UNFIT;
    case 'double':
      // -0 was `-0` (DuckDB reads 0) or `-0.0` (DuckDB reads -0.0): only the text tells.
      return typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0) ? value : UNFIT;
    case 'varchar':
      return typeof value === 'string' ? value : UNFIT;
  }
}

/** floor(micros / tileMicros) exactly (the float quotient may round across an integer). */
function tileOf(micros: number, tileMicros: number): number {
  let q = Math.floor(micros / tileMicros);
  if (q * tileMicros > micros) q--;
  else if ((q + 1) * tileMicros <= micros) q++;
  return q;
}

function foldFeature(f: AggregationFeature, columns: ReadonlyMap<string, string>): FoldFeature | undefined {
  if (f.filter !== undefined) return undefined;
  if (f.column === undefined) return f.function === 'count' ? { kind: f.function, column: undefined, type: undefined } : undefined;
  const plain = PLAIN_NAME.test(f.column) && !SQL_VALUE_WORDS.has(f.column.toLowerCase());
  const type = plain ? COLUMN_KINDS[(columns.get(f.column) ?? '').toUpperCase()] : undefined;
  if (type === undefined) return undefined;
  switch (f.function) {
    case 'count':
      return { kind: f.function, column: f.column, type };
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
      return type === 'varchar' ? undefined : { kind: f.function, column: f.column, type };
    case 'count_distinct':
      // A DOUBLE's JSON text is DuckDB's (5.0), not JavaScript's (5): the sets would not match.
      return type === 'double' ? undefined : { kind: f.function, column: f.column, type };
    default:
      return undefined;
  }
}

export class StreamFold {
  private constructor(
    private readonly keys: ReadonlyArray<{ name: string; type: ColumnKind }>,
    private readonly features: readonly FoldFeature[],
    private readonly tileMicros: number,
  ) {}

  /** The fold of a view the JavaScript path covers, or undefined (DuckDB folds every batch). */
  static for(spec: StreamPartialsSpec): StreamFold | undefined {
    const keys: Array<{ name: string; type: ColumnKind }> = [];
    for (const name of spec.joinKeys) {
      const type = COLUMN_KINDS[(spec.columns.get(name) ?? '').toUpperCase()];
      if (type === undefined || type === 'double') return undefined;
      keys.push({ name, type });
    }
    const features: FoldFeature[] = [];
    for (const f of spec.features) {
      const folded = foldFeature(f, spec.columns);
      if (folded === undefined) return undefined;
      features.push(folded);
    }
    return new StreamFold(keys, features, spec.tileMicros);
  }

  /** The batch's rows, or undefined when an event holds a value only DuckDB can type (or came without its object). */
  fold(events: readonly StreamEvent[]): PartialsResult | undefined {
    const rows = this.foldRows(events);
    return rows === undefined ? undefined : this.result(rows);
  }

  private foldRows(events: readonly StreamEvent[]): FoldRows | undefined {
    const { keys, features, tileMicros } = this;
    const width = features.length;
    const single = keys.length === 1 ? (keys[0] as { name: string; type: ColumnKind }) : undefined;
    const rows = new FoldRows(width, events.length);
    /** The first row of each entity. */
    const firstRow = new Map<unknown, number>();
    const values: Array<number | string | null> = new Array<number | string | null>(width).fill(null);
    for (const event of events) {
      const record = event.record;
      if (record === undefined) return undefined;
      let mapKey: unknown;
      let keyValues: unknown[];
      if (single !== undefined) {
        const v = typed(record[single.name], single.type);
        if (v === null || v === UNFIT) return undefined;
        mapKey = v;
        keyValues = [v];
      } else {
        keyValues = [];
        for (const k of keys) {
          const v = typed(record[k.name], k.type);
          if (v === null || v === UNFIT) return undefined;
          keyValues.push(v);
        }
        mapKey = JSON.stringify(keyValues);
      }
      for (let j = 0; j < width; j++) {
        const f = features[j] as FoldFeature;
        const v = f.column === undefined ? null : typed(record[f.column], f.type as ColumnKind);
        if (v === UNFIT) return undefined;
        values[j] = v;
      }
      const micros = event.micros;
      const tile = tileOf(micros, tileMicros);
      let r = firstRow.get(mapKey);
      if (r === undefined) {
        r = rows.add(keyValues, tile, micros);
        firstRow.set(mapKey, r);
      } else {
        while (rows.tile[r] !== tile && rows.next[r] !== -1) r = rows.next[r] as number;
        if (rows.tile[r] !== tile) {
          const added = rows.add(keyValues, tile, micros);
          rows.next[r] = added;
          r = added;
        }
      }
      rows.events[r] = (rows.events[r] as number) + 1;
      if (micros > (rows.maxMicros[r] as number)) rows.maxMicros[r] = micros;
      const at = r * width;
      for (let j = 0; j < width; j++) {
        const f = features[j] as FoldFeature;
        const v = values[j] as number | string | null;
        if (f.column !== undefined && v === null) continue;
        const i = at + j;
        rows.n[i] = (rows.n[i] as number) + 1;
        switch (f.kind) {
          case 'sum':
          case 'avg':
            rows.s[i] = (rows.s[i] as number) + (v as number);
            break;
          case 'min':
            if (!((v as number) >= (rows.v[i] as number))) rows.v[i] = v as number;
            break;
          case 'max':
            if (!((v as number) <= (rows.v[i] as number))) rows.v[i] = v as number;
            break;
          case 'count_distinct': {
            const seen = rows.d[i];
            if (seen === undefined) rows.d[i] = v as number | string;
            else if (seen instanceof Set) seen.add(v as number | string);
            else if (seen !== v) rows.d[i] = new Set([seen, v as number | string]);
            break;
          }
        }
      }
    }
    return rows;
  }

  /** The rows of a folded batch with their states as tuples (what StreamPartials.aggregate gives). */
  private result(rows: FoldRows): PartialsResult | undefined {
    const texts = new StateTexts();
    const width = this.features.length;
    const out: PartialRow[] = [];
    for (let r = 0; r < rows.count; r++) {
      const states: Array<readonly [number, TileKind, string]> = [];
      for (let j = 0; j < width; j++) {
        const kind = (this.features[j] as FoldFeature).kind;
        const text = texts.of(rows, r * width + j, kind);
        if (text === undefined) return undefined;
        if (text !== '') states.push([j, kind, text]);
      }
      out.push({ keyValues: rows.keyValues[r] as unknown[], tile: rows.tile[r] as number, maxMicros: rows.maxMicros[r] as number, events: rows.events[r] as number, states });
    }
    return { rows: out, overflow: texts.overflow, untypedKeys: 0 };
  }

  /**
   * The batch's rows with every feature's state joined as a tile field holds them (tile-codec joinTileStates, ""
   * where absent), or undefined as fold(): what ingestion writes, without a tuple and a string per feature.
   */
  foldJoined(events: readonly StreamEvent[]): JoinedPartialsResult | undefined {
    const rows = this.foldRows(events);
    if (rows === undefined) return undefined;
    const texts = new StateTexts();
    const width = this.features.length;
    const out: JoinedPartialRow[] = [];
    for (let r = 0; r < rows.count; r++) {
      let joined = '';
      for (let j = 0; j < width; j++) {
        const text = texts.of(rows, r * width + j, (this.features[j] as FoldFeature).kind);
        if (text === undefined) return undefined;
        joined = j === 0 ? text : `${joined}${FEATURE_SEPARATOR}${text}`;
      }
      out.push({ keyValues: rows.keyValues[r] as unknown[], tile: rows.tile[r] as number, maxMicros: rows.maxMicros[r] as number, events: rows.events[r] as number, joined });
    }
    return { rows: out, overflow: texts.overflow, untypedKeys: 0 };
  }
}
