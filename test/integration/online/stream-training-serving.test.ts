// Training equals serving through the real Redis: for random request times T, the events that exist at T are folded
// by the micro-batch partials in random batches, written with applyTileBatch (the Lua merge), read back with
// readStreamTiles and merged by windowValues at T; the result equals the training SQL over the batch source at T,
// for every function and window. Each request gets a view of its own under this file's key prefix.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamPartials } from '../../../src/engine/stream-partials.js';
import { describeRelation, sourceRelation } from '../../../src/engine/sources.js';
import { encodeEntityKey, streamTilesKey } from '../../../src/online/keys.js';
import { applyTileBatch, readStreamState, readStreamTiles, windowValues, type TileRow } from '../../../src/online/stream-tiles.js';
import type { Positions } from '../../../src/stream/types.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { rng } from '../../helpers/prng.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
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
} from '../../helpers/stream-events.js';

const prefix = `${freshPrefix()}ff`;
const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
const kinds = FEATURES.map((f) => f.function);
let engine: TestEngine;

beforeAll(async () => {
  await redis.connect();
  engine = await testEngine(STREAM_REPO, { tx: TX_TABLE });
});

afterAll(async () => {
  engine?.close();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

describe('stream view served from Redis tiles', () => {
  it('equals training at the same instant, for every function and window', async () => {
    const { events, requests } = generate(11);
    await engine.ctx.db.withConnection(async (conn) => {
      const trained = await training(engine, conn, events, requests);
      const columns = await describeRelation(conn, sourceRelation(engine.ctx, 'tx'));
      const partials = await StreamPartials.open(conn, { joinKeys: ['card_id'], features: FEATURES, timestampField: 'ts', tileMicros: TILE_MICROS, columns });
      const rand = rng(1411);
      let nonEmpty = 0;
      try {
        for (const [i, request] of requests.entries()) {
          const view = `v${i}`;
          let expected: Positions | undefined;
          let position = 0;
          for (const batch of batchesAt(events, request.t, rand)) {
            const { rows } = await partials.aggregate(ingested(batch));
            const tileRows: TileRow[] = rows.map((r) => ({ entityKey: encodeEntityKey(r.keyValues, ['int64'], ['card_id']), tile: r.tile, states: r.states }));
            position += batch.length;
            const next = { positions: { '0': String(position) }, watermarkMicros: 0, events: batch.length, late: 0, invalid: 0, updatedAtMs: 1, pending: 0 };
            const ref = { prefix, project: 'st', view };
            expect(await applyTileBatch(redis, { ...ref, expected, next, rows: tileRows, retainTiles: 200, tileMs: TILE_MICROS / 1000, kinds })).toBe('applied');
            expected = next.positions;
          }
          const key = streamTilesKey(prefix, 'st', view, encodeEntityKey([request.card], ['int64'], ['card_id']));
          const [fields] = await readStreamTiles(redis, [key]);
          const served = windowValues(fields ?? {}, { kinds, windowMicros: WINDOW_MICROS, tileMicros: TILE_MICROS }, request.t);
          nonEmpty += compareRow(i, request, trained[i], served);
          expect((await readStreamState(redis, { prefix, project: 'st', view }))?.events).toBe(events.filter((e) => e.micros <= request.t).length);
        }
      } finally {
        partials.close();
      }
      expect(nonEmpty).toBeGreaterThan(requests.length);
    });
  });
});
