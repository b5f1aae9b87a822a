// `historical` over a stream view: the training set's columns are the tiles' answer at each entity row's time, the
// same values the training SQL gives (which the tile tests hold equal to what serving merges), in input order,
// beside a plain view's features.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { aggregationColumnName } from '../../../src/registry/features.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { FEATURES, generate, STREAM_REPO, training, TX_TABLE, WINDOWS } from '../../helpers/stream-events.js';

const REPO = {
  ...STREAM_REPO,
  featureViews: [
    { name: 'live', entities: ['card'], source: 'tx', aggregation: { cadence: '1m', windows: WINDOWS, features: FEATURES } },
    { name: 'card_info', entities: ['card'], source: 'tx_batch', schema: [{ name: 'merchant', dtype: 'string' as const }] },
  ],
};

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(REPO, { tx: TX_TABLE });
});
afterAll(() => engine?.close());

describe('historical over a stream view', () => {
  it('gives the tiles answer at each row time, in input order, beside a plain view', async () => {
    const { events, requests } = generate(23);
    const expected = await engine.ctx.db.withConnection((conn) => training(engine, conn, events, requests));
    const rows = requests.map((r) => ({ card_id: r.card, event_timestamp: new Date(r.t / 1000).toISOString().replace('Z', `${String(r.t % 1000).padStart(3, '0')}Z`) }));
    // Microsecond times through ISO text: .sss then the 3 extra digits.
    const set = await getHistoricalFeatures(engine.ctx, { rows }, ['live:*', 'card_info:merchant']);
    try {
      const got = await set.toRows();
      expect(got).toHaveLength(requests.length);
      const columns = FEATURES.flatMap((f) => WINDOWS.map((w) => aggregationColumnName(f.name, w)));
      got.forEach((row, i) => {
        expect(Object.keys(row)).toEqual(['card_id', 'event_timestamp', ...columns, 'merchant']);
        for (const c of columns) expect(row[c], `row ${i} ${c}`).toEqual((expected[i] as Record<string, unknown>)[c]);
      });
      expect(columns.some((c) => got.some((row) => row[c] !== null && row[c] !== 0n && row[c] !== 0))).toBe(true);
    } finally {
      set.close();
    }
  });

  it('names the missing join key', async () => {
    await expect(getHistoricalFeatures(engine.ctx, { rows: [{ user_id: 1, event_timestamp: '2024-06-01T00:00:00Z' }] }, ['live:n_5m'])).rejects.toThrow(
      'feature view "live" joins on card_id, but the entity rows have no "card_id" column',
    );
  });
});
