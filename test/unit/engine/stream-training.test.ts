/**
 * Training equals serving: for random request times, the training SQL over the batch source gives what serving
 * gives from tiles built out of the same events (those with t <= T, the ones that exist at T), folded by the
 * micro-batch partials in random batches and orders and merged as Redis merges them (the codec's JS merge, which
 * test/integration/online/stream-tiles.test.ts holds equal to the Lua one), for every function and window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamPartials } from '../../../src/engine/stream-partials.js';
import { describeRelation, sourceRelation } from '../../../src/engine/sources.js';
import { encodeTileState, joinTileStates, mergeTileStates, parseTileState, type FeatureValue } from '../../../src/online/tile-codec.js';
import { windowValues } from '../../../src/online/tile-window.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { rng } from '../../helpers/prng.js';
import {
  batchesAt,
  compareRow,
  FEATURES,
  generate,
  ingested,
  STREAM_REPO,
  TILE_MICROS,
  training,
  TX_TABLE,
  WINDOW_MICROS,
  type Ev,
} from '../../helpers/stream-events.js';

let engine: TestEngine;

/** What serving at T answers for `card` from tiles folded out of the events that exist at T. */
async function serving(partials: StreamPartials, events: Ev[], card: number, t: number, rand: () => number): Promise<FeatureValue[][]> {
  const tiles = new Map<number, string[]>();
  for (const batch of batchesAt(events, t, rand)) {
    const { rows } = await partials.aggregate(ingested(batch));
    for (const row of rows) {
      if (row.keyValues[0] !== BigInt(card)) continue;
      const states = tiles.get(row.tile) ?? FEATURES.map(() => '');
      tiles.set(row.tile, states);
      for (const [f, kind, text] of row.states) {
        const old = states[f] as string;
        states[f] = old === '' ? text : encodeTileState(mergeTileStates(parseTileState(kind, old), parseTileState(kind, text)));
      }
    }
  }
  const fields = Object.fromEntries([...tiles].map(([tile, states]) => [String(tile), joinTileStates(states)]));
  return windowValues(fields, { kinds: FEATURES.map((f) => f.function), windowMicros: WINDOW_MICROS, tileMicros: TILE_MICROS }, t);
}

beforeAll(async () => {
  engine = await testEngine(STREAM_REPO, { tx: TX_TABLE });
});

afterAll(() => engine?.close());

describe('stream view training', () => {
  for (const seed of [1, 2, 3]) {
    it(`equals the values served from tiles of the same events, for every function and window (seed ${seed})`, async () => {
      const { events, requests } = generate(seed);
      await engine.ctx.db.withConnection(async (conn) => {
        const trained = await training(engine, conn, events, requests);
        expect(trained).toHaveLength(requests.length);
        const columns = await describeRelation(conn, sourceRelation(engine.ctx, 'tx'));
        const spec = { joinKeys: ['card_id'], features: FEATURES, timestampField: 'ts', tileMicros: TILE_MICROS, columns };
        const partials = await StreamPartials.open(conn, spec);
        const rand = rng(seed * 7);
        let nonEmpty = 0;
        try {
          for (const [i, request] of requests.entries()) {
            nonEmpty += compareRow(i, request, trained[i], await serving(partials, events, request.card, request.t, rand));
          }
        } finally {
          partials.close();
        }
        // The comparison is not vacuous: most windows hold events.
        expect(nonEmpty).toBeGreaterThan(requests.length);
      });
    }, 60_000);
  }
});
