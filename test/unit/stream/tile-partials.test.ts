/**
 * The real ingestion's view plan and partials: what the registry says a stream view's tiles are (sizes, retention,
 * functions, event rules), and tile rows keyed by the entity key bytes serving asks for; a key the entity's type
 * refuses is left out and its events counted invalid instead of stopping the view's ingestion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSource } from '../../../src/engine/sources.js';
import { joinTileStates } from '../../../src/online/tile-codec.js';
import { TilePartials } from '../../../src/stream/tile-partials.js';
import { streamViewPlan } from '../../../src/stream/view-plan.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';

const T0 = Date.UTC(2024, 5, 1) * 1000;

const REPO = {
  project: 'st',
  entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' as const }],
  sources: [
    { name: 'tx_batch', type: 'table' as const, table: 'tx', timestampField: 'ts' },
    { name: 'tx', type: 'stream' as const, timestampField: 'ts', batchSource: 'tx_batch', broker: { kind: 'nats' as const, stream: 'TX', subject: 'tx', durable: 'ff' } },
  ],
  featureViews: [
    {
      name: 'card_tx',
      entities: ['card'],
      source: 'tx',
      aggregation: {
        cadence: '1m',
        windows: ['5m', '1h'],
        features: [
          { name: 'n', function: 'count' as const },
          { name: 'total', function: 'sum' as const, column: 'amount' },
        ],
      },
    },
    { name: 'plain', entities: ['card'], source: 'tx_batch', schema: [{ name: 'amount', dtype: 'float64' as const }] },
  ],
};
// The batch source types card_id DOUBLE while the entity declares int64: 2.5 fits the column but no int64 key.
const TX_TABLE = `SELECT * FROM (VALUES (1.0::DOUBLE, 1::BIGINT, TIMESTAMPTZ '2024-01-01 00:00:00+00')) t(card_id, amount, ts) LIMIT 0`;

let engine: TestEngine;

beforeAll(async () => {
  engine = await testEngine(REPO, { tx: TX_TABLE });
});

afterAll(() => engine?.close());

describe('stream view plan', () => {
  it('derives the tiles, their retention, the functions and the event rules from the registry', () => {
    const plan = streamViewPlan(engine.ctx.repo, 'card_tx');
    expect(plan).toMatchObject({
      project: 'st',
      joinKeys: ['card_id'],
      keyTypes: ['int64'],
      kinds: ['count', 'sum'],
      tileMicros: 60_000_000,
      tileMs: 60_000,
      // The 1h window plus the default 1m lateness, in 1-minute tiles, plus two.
      retainTiles: 63,
      windowMicros: [300_000_000, 3_600_000_000],
      rules: { joinKeys: ['card_id'], timestampField: 'ts', allowedLatenessMicros: 60_000_000 },
    });
    expect(plan.source.name).toBe('tx');
  });

  it('refuses a view that does not read a stream source, naming the ones that do', () => {
    expect(() => streamViewPlan(engine.ctx.repo, 'plain')).toThrow(/not a stream source; views on a stream source: card_tx/);
  });
});

describe('tile partials', () => {
  it('keys rows as serving encodes entity keys, and counts events whose key the entity type refuses as invalid', async () => {
    const plan = streamViewPlan(engine.ctx.repo, 'card_tx');
    const columns = await describeSource(engine.ctx, 'tx');
    const refused: string[] = [];
    const result = await engine.ctx.db.withConnection(async (conn) => {
      const partials = await TilePartials.open(conn, plan, columns, (reason) => refused.push(reason));
      try {
        const ev = (card: unknown, amount: number, micros: number) => ({ partition: '0', position: '1', micros, json: JSON.stringify({ card_id: card, amount, ts: micros / 1000 }), record: {} });
        return await partials.aggregate([ev(1, 10, T0), ev(1, 5, T0 + 1), ev(7, 1, T0 + 60_000_000), ev(2.5, 100, T0), ev(2.5, 100, T0 + 2), ev('x', 1, T0)]);
      } finally {
        partials.close();
      }
    });
    const tile = T0 / 60_000_000;
    // Every feature's state joined as the tile field holds them.
    expect(result.rows.map((r) => [r.entityKey, r.tile - tile, r.joined]).sort()).toEqual([
      ['i1', 0, joinTileStates(['2', '2,15.0'])],
      ['i7', 1, joinTileStates(['1', '1,1.0'])],
    ]);
    // "x" is NULL as a DOUBLE (DuckDB); the two 2.5 events fit the column but not an int64 key.
    expect(result.untypedKeys).toBe(3);
    expect(refused).toEqual([expect.stringContaining('2.5 is not an int64')]);
  });
});
