/**
 * Micro-batch partials in a real DuckDB: one row per (entity, tile) with each feature's tile state, events typed as
 * the batch source types its columns, filters and NULLs as SQL has them, and clear errors for what tiles cannot hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StreamPartials, type PartialRow, type StreamPartialsSpec } from '../../../src/engine/stream-partials.js';
import { describeRelation, sourceRelation } from '../../../src/engine/sources.js';
import type { AggregationFeature } from '../../../src/registry/schema.js';
import { MAX_DISTINCT_PER_TILE, parseTileState, type TileKind } from '../../../src/online/tile-codec.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { STREAM_REPO, TX_TABLE } from '../../helpers/stream-events.js';

const MINUTE = 60_000_000;
const T0 = Date.UTC(2024, 5, 1) * 1000;

let engine: TestEngine;
let columns: Map<string, string>;

async function withPartials<T>(features: AggregationFeature[], fn: (p: StreamPartials) => Promise<T>): Promise<T> {
  return engine.ctx.db.withConnection(async (conn: DuckDBConnection) => {
    const spec: StreamPartialsSpec = { joinKeys: ['card_id'], features, timestampField: 'ts', tileMicros: MINUTE, columns };
    const partials = await StreamPartials.open(conn, spec);
    try {
      return await fn(partials);
    } finally {
      partials.close();
    }
  });
}

function states(row: PartialRow): Record<string, unknown> {
  return Object.fromEntries(row.states.map(([f, kind, text]) => [f, parseTileState(kind as TileKind, text)]));
}

beforeAll(async () => {
  engine = await testEngine(STREAM_REPO, { tx: TX_TABLE });
  columns = await engine.ctx.db.withConnection((conn) => describeRelation(conn, sourceRelation(engine.ctx, 'tx')));
});

afterAll(() => engine?.close());

describe('stream partials', () => {
  it('folds events into one row per card and tile with every function', async () => {
    const features: AggregationFeature[] = [
      { name: 'n', function: 'count' },
      { name: 'purchases', function: 'count', filter: "kind = 'P'" },
      { name: 'total', function: 'sum', column: 'amount' },
      { name: 'mean', function: 'avg', column: 'amount' },
      { name: 'low', function: 'min', column: 'amount' },
      { name: 'high', function: 'max', column: 'amount * 2' },
      { name: 'spread', function: 'stddev', column: 'amount' },
      { name: 'merchants', function: 'count_distinct', column: 'merchant' },
      { name: 'last_merchant', function: 'last', column: 'merchant' },
    ];
    const ev = (card: unknown, micros: number, amount: number | null, merchant: string | null, kind = 'P') => ({
      micros,
      record: { card_id: card, amount, merchant, kind, ts: 'ignored: the time is micros' },
    });
    const result = await withPartials(features, (p) =>
      p.aggregate([
        ev(1, T0 + 1, 10, 'a\x1fb'),
        ev(1, T0 + 5, 4, 'z', 'R'),
        ev(1, T0 + 5, null, 'y'),
        ev('1', T0 + MINUTE - 1, 7, null),
        ev(1, T0 + MINUTE, null, null, 'R'),
        ev(2, T0 + 3 * MINUTE, 2.5, 'q'),
        ev(null, T0, 1, 'x'),
      ]),
    );
    expect(result.untypedKeys).toBe(1);
    const byKey = new Map(result.rows.map((r) => [`${String(r.keyValues[0])}/${r.tile - T0 / MINUTE}`, r]));
    expect([...byKey.keys()].sort()).toEqual(['1/0', '1/1', '2/3']);
    const first = byKey.get('1/0') as PartialRow;
    expect(first.maxMicros).toBe(T0 + MINUTE - 1);
    expect([first.events, byKey.get('1/1')?.events, byKey.get('2/3')?.events]).toEqual([4, 1, 1]);
    // The key "1" is typed as the batch source's BIGINT, so it joins card 1.
    expect(states(first)).toEqual({
      0: { kind: 'count', n: 4 },
      1: { kind: 'count', n: 3 },
      2: { kind: 'sum', n: 3, s: 21 },
      3: { kind: 'avg', n: 3, s: 21 },
      4: { kind: 'min', v: 4 },
      5: { kind: 'max', v: 20 },
      6: { kind: 'stddev', n: 3, mean: 7, m2: 18 },
      7: { kind: 'count_distinct', values: expect.arrayContaining(['"a\\u001Fb"', '"z"', '"y"']) as unknown },
      // Two events at T0 + 5: the greater value wins, as max(struct_pack(e, v)) in training.
      8: { kind: 'last', e: T0 + 5, v: '"z"' },
    });
    expect((states(first)[7] as { values: string[] }).values).toHaveLength(3);
    // A tile whose only event has NULL values holds the count of events alone.
    expect(states(byKey.get('1/1') as PartialRow)).toEqual({ 0: { kind: 'count', n: 1 } });
    expect(byKey.get('2/3')?.keyValues).toEqual([2n]);
  });

  it('reads the event as received JSON text the same as the parsed record', async () => {
    const features: AggregationFeature[] = [{ name: 'total', function: 'sum', column: 'amount' }, { name: 'm', function: 'last', column: 'merchant' }];
    const record = { card_id: 9, amount: 0.1, merchant: 'é"\n' };
    const [a, b] = await withPartials(features, async (p) => [await p.aggregate([{ micros: T0, record }]), await p.aggregate([{ micros: T0, json: JSON.stringify(record) }])]);
    expect(a).toEqual(b);
    expect(states(a?.rows[0] as PartialRow)).toEqual({ 0: { kind: 'sum', n: 1, s: 0.1 }, 1: { kind: 'last', e: T0, v: JSON.stringify('é"\n') } });
  });

  it('groups every batch right however far its keys and times are from the previous batches', async () => {
    // DuckDB plans GROUP BY keys with the statistics seen when a statement is prepared: the batch statement must
    // not carry any (see stream-partials.ts), or a later batch with other ranges is grouped under wrong keys.
    const features: AggregationFeature[] = [{ name: 'n', function: 'count' }];
    const late = Array.from({ length: 3000 }, (_, i) => ({ micros: T0 + i * 1_000_000, record: { card_id: 1e12 + (i % 700) } }));
    const expected = new Set(late.map((e) => `${e.record.card_id}/${Math.floor(e.micros / MINUTE)}`));
    const rows = await withPartials(features, async (p) => {
      await p.aggregate([{ micros: 5, record: { card_id: 1 } }, { micros: 6, record: { card_id: 2 } }]);
      return (await p.aggregate(late)).rows;
    });
    expect(new Set(rows.map((r) => `${String(r.keyValues[0])}/${r.tile}`))).toEqual(expected);
    expect(rows.reduce((n, r) => n + Number(r.states[0]?.[2]), 0)).toBe(late.length);
  });

  it('keeps at most MAX_DISTINCT_PER_TILE values of a tile and counts the others', async () => {
    const events = Array.from({ length: MAX_DISTINCT_PER_TILE + 7 }, (_, i) => ({ micros: T0, record: { card_id: 1, merchant: `m${i}` } }));
    const result = await withPartials([{ name: 'd', function: 'count_distinct', column: 'merchant' }], (p) => p.aggregate(events));
    expect(result.overflow).toBe(7);
    expect((states(result.rows[0] as PartialRow)[0] as { values: string[] }).values).toHaveLength(MAX_DISTINCT_PER_TILE);
  });

  it('puts events before 1970 in the tile below them', async () => {
    const result = await withPartials([{ name: 'n', function: 'count' }], (p) => p.aggregate([{ micros: -1, record: { card_id: 1 } }]));
    expect(result.rows[0]?.tile).toBe(-1);
  });

  it('refuses min or max of a non-numeric column with a clear error', async () => {
    await expect(withPartials([{ name: 'm', function: 'max', column: 'merchant' }], async () => undefined)).rejects.toThrow(
      /feature "m": max\(merchant\) is VARCHAR; a stream view takes min and max of numeric columns only/,
    );
  });

  it('names an expression that does not bind', async () => {
    await expect(withPartials([{ name: 's', function: 'sum', column: 'nope' }], async () => undefined)).rejects.toThrow(/stream view partials: .*nope/);
  });
});
