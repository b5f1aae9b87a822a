/**
 * The JavaScript fold of stream partials against the SQL it stands in for: for random views it covers and random
 * batches, the same rows as DuckDB's statement (tiles, event counts, latest times, every state, sums to the bit);
 * values DuckDB would type differently (a string amount, 5.5 for a BIGINT, 1e400, text JSON escapes) send the batch
 * to DuckDB, so StreamPartials answers what the SQL answers either way.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamFold } from '../../../src/engine/stream-fold.js';
import { StreamPartials, type PartialRow, type StreamEvent, type StreamPartialsSpec } from '../../../src/engine/stream-partials.js';
import { joinTileStates, MAX_DISTINCT_PER_TILE, parseTileState, type TileKind } from '../../../src/online/tile-codec.js';
import type { AggregationFeature } from '../../../src/registry/schema.js';
import { rng } from '../../helpers/prng.js';

const MINUTE = 60_000_000;
const T0 = Date.UTC(2024, 5, 1) * 1000;
const COLUMNS = new Map([
  ['card_id', 'BIGINT'],
  ['user', 'VARCHAR'],
  ['qty', 'INTEGER'],
  ['amount', 'DOUBLE'],
  ['merchant', 'VARCHAR'],
  ['ts', 'TIMESTAMP WITH TIME ZONE'],
]);
/** Every feature the fold covers, on every column it takes. */
const FOLDABLE: AggregationFeature[] = [
  { name: 'n', function: 'count' },
  { name: 'n_amount', function: 'count', column: 'amount' },
  { name: 'n_merchant', function: 'count', column: 'merchant' },
  { name: 'total', function: 'sum', column: 'amount' },
  { name: 'qty_total', function: 'sum', column: 'qty' },
  { name: 'mean', function: 'avg', column: 'amount' },
  { name: 'qty_mean', function: 'avg', column: 'qty' },
  { name: 'low', function: 'min', column: 'amount' },
  { name: 'high', function: 'max', column: 'amount' },
  { name: 'qty_high', function: 'max', column: 'qty' },
  { name: 'merchants', function: 'count_distinct', column: 'merchant' },
  { name: 'cards', function: 'count_distinct', column: 'card_id' },
];
const MERCHANTS = ['m1', 'm2', 'café', 'a/b', 'Ünï', 'x y', '', 'm\u2028'];

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  conn = await instance.connect();
});

afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

function spec(joinKeys: string[], features: AggregationFeature[]): StreamPartialsSpec {
  return { joinKeys, features, timestampField: 'ts', tileMicros: MINUTE, columns: COLUMNS };
}

/** Rows comparable across the two ways: keys as numbers or text, states decoded, distinct values sorted. */
function normalized(rows: readonly PartialRow[]): unknown[] {
  return rows
    .map((row) => ({
      key: JSON.stringify(row.keyValues.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
      tile: row.tile,
      maxMicros: row.maxMicros,
      events: row.events,
      states: row.states.map(([f, kind, text]) => {
        const state = parseTileState(kind as TileKind, text);
        return [f, kind, state.kind === 'count_distinct' ? [...state.values].sort() : state];
      }),
    }))
    .sort((a, b) => (a.key === b.key ? a.tile - b.tile : a.key < b.key ? -1 : 1));
}

/** Rows with their states joined as a tile field holds them. */
function joinedRows(rows: readonly PartialRow[], width: number): unknown[] {
  return rows.map(({ states, ...row }) => {
    const texts = new Array<string>(width).fill('');
    for (const [f, , text] of states) texts[f] = text;
    return { ...row, joined: joinTileStates(texts) };
  });
}

/** What DuckDB's statement answers: the same events without their objects, which the fold needs. */
async function bySql(partials: StreamPartials, events: readonly StreamEvent[]) {
  return partials.aggregate(events.map((e) => ({ micros: e.micros, json: e.json ?? JSON.stringify(e.record) })));
}

function randomEvents(rand: () => number, count: number): StreamEvent[] {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const maybe = <T,>(x: T): T | null | undefined => (rand() < 0.1 ? null : rand() < 0.05 ? undefined : x);
  return Array.from({ length: count }, () => {
    const micros = T0 + Math.floor(rand() * 20 * MINUTE) - (rand() < 0.1 ? 3 * MINUTE : 0);
    const record: Record<string, unknown> = {
      card_id: Math.floor(rand() * 12) - 2,
      user: pick(['ann', 'bob', 'cy', 'dé']),
      qty: maybe(Math.floor(rand() * 2000) - 1000),
      amount: maybe(pick([Math.round(rand() * 100_000) / 100, rand() * 1e6, -rand(), 0, -0, 1e-300, 2 ** 60])),
      merchant: maybe(pick(MERCHANTS)),
    };
    for (const k of Object.keys(record)) if (record[k] === undefined) delete record[k];
    // As the ingest loop has them: the text as received and the object parsed from it.
    const json = JSON.stringify(record);
    return { micros, record: JSON.parse(json) as Record<string, unknown>, json };
  });
}

describe('stream fold', () => {
  it('answers exactly what DuckDB answers for random views and batches it covers', async () => {
    const rand = rng(2026);
    const keySets = [['card_id'], ['user'], ['card_id', 'user']];
    for (let round = 0; round < 40; round++) {
      const features = FOLDABLE.filter(() => rand() < 0.5);
      if (features.length === 0) features.push(FOLDABLE[0] as AggregationFeature);
      const s = spec(keySets[round % keySets.length] as string[], features);
      const fold = StreamFold.for(s);
      expect(fold, `round ${round}`).toBeDefined();
      const events = randomEvents(rand, 1 + Math.floor(rand() * 3000));
      const partials = await StreamPartials.open(conn, s);
      try {
        const inJs = fold?.fold(events);
        // Only merchants with JSON escapes send a batch to DuckDB here; none of these does.
        expect(inJs, `round ${round}`).toBeDefined();
        const sql = await bySql(partials, events);
        expect(normalized(inJs?.rows ?? []), `round ${round}`).toEqual(normalized(sql.rows));
        expect(inJs?.overflow).toBe(sql.overflow);
        expect(inJs?.untypedKeys).toBe(sql.untypedKeys);
        // Joined as ingestion writes them: the same states, feature by feature.
        expect(fold?.foldJoined(events)?.rows).toEqual(joinedRows(inJs?.rows ?? [], features.length));
        expect((await partials.aggregateJoined(events)).rows).toEqual(joinedRows(inJs?.rows ?? [], features.length));
      } finally {
        partials.close();
      }
    }
  }, 60_000);

  it('leaves to DuckDB a batch holding a value DuckDB types its own way, and StreamPartials answers as DuckDB does', async () => {
    const features = FOLDABLE;
    const s = spec(['card_id'], features);
    const fold = StreamFold.for(s) as StreamFold;
    const unfit: Array<Record<string, unknown> | string> = [
      '{"card_id": 3, "amount": -0.0}', // -0.0 to DuckDB, as `-0` (0 to DuckDB) is to JavaScript
      { card_id: '7' }, // a string key DuckDB casts
      { card_id: 7.5 }, // rounded by DuckDB
      { card_id: 2 ** 60 }, // beyond a double's integers
      { amount: '12.5' }, // cast by DuckDB
      { amount: true },
      { qty: 3.5 },
      { qty: 2 ** 40 }, // beyond INTEGER
      { merchant: 'say "hi"' }, // to_json escapes it
      { merchant: 'back\\slash' },
      { merchant: 'tab\t' },
      { merchant: 42 },
    ];
    const partials = await StreamPartials.open(conn, s);
    try {
      for (const change of unfit) {
        const events = randomEvents(rng(7), 200);
        const json = typeof change === 'string' ? change : JSON.stringify({ ...(events[100]?.record ?? {}), ...change });
        events[100] = { micros: events[100]?.micros ?? T0, record: JSON.parse(json) as Record<string, unknown>, json };
        expect(fold.fold(events), JSON.stringify(change)).toBeUndefined();
        const answered = await partials.aggregate(events);
        const sql = await bySql(partials, events);
        expect(normalized(answered.rows), JSON.stringify(change)).toEqual(normalized(sql.rows));
        expect(answered.untypedKeys).toBe(sql.untypedKeys);
        expect(fold.foldJoined(events), JSON.stringify(change)).toBeUndefined();
        expect((await partials.aggregateJoined(events)).rows, JSON.stringify(change)).toEqual(joinedRows(answered.rows, features.length));
      }
    } finally {
      partials.close();
    }
  });

  it('keeps as many distinct values per tile as DuckDB and counts the same overflow', async () => {
    const s = spec(['user'], [{ name: 'cards', function: 'count_distinct', column: 'card_id' }]);
    const events: StreamEvent[] = Array.from({ length: MAX_DISTINCT_PER_TILE + 50 }, (_, i) => {
      const json = JSON.stringify({ user: 'ann', card_id: i });
      return { micros: T0 + i, record: JSON.parse(json) as Record<string, unknown>, json };
    });
    const partials = await StreamPartials.open(conn, s);
    try {
      const inJs = StreamFold.for(s)?.fold(events);
      const sql = await bySql(partials, events);
      expect(inJs?.overflow).toBe(50);
      expect(sql.overflow).toBe(50);
      const kept = (rows: readonly PartialRow[] | undefined) => rows?.[0]?.states[0]?.[2].split('\x1f').length;
      expect(kept(inJs?.rows)).toBe(MAX_DISTINCT_PER_TILE);
      expect(kept(sql.rows)).toBe(MAX_DISTINCT_PER_TILE);
    } finally {
      partials.close();
    }
  });

  it('covers plain columns without filters only', () => {
    const covered = (f: AggregationFeature, keys = ['card_id']) => StreamFold.for(spec(keys, [f])) !== undefined;
    expect(covered({ name: 'a', function: 'sum', column: 'amount' })).toBe(true);
    expect(covered({ name: 'a', function: 'sum', column: 'amount * 2' })).toBe(false);
    expect(covered({ name: 'a', function: 'sum', column: 'Amount' })).toBe(false);
    expect(covered({ name: 'a', function: 'count', filter: 'amount > 0' })).toBe(false);
    expect(covered({ name: 'a', function: 'stddev', column: 'amount' })).toBe(false);
    expect(covered({ name: 'a', function: 'last', column: 'amount' })).toBe(false);
    expect(covered({ name: 'a', function: 'sum', column: 'merchant' })).toBe(false);
    expect(covered({ name: 'a', function: 'count_distinct', column: 'amount' })).toBe(false);
    expect(covered({ name: 'a', function: 'count', column: 'null' })).toBe(false);
    expect(covered({ name: 'a', function: 'count' }, ['amount'])).toBe(false);
    expect(covered({ name: 'a', function: 'count' }, ['ts'])).toBe(false);
  });
});
