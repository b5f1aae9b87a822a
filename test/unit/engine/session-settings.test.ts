/**
 * Training sets and latest-row exports let DuckDB reorder rows on their own connection (preserve_insertion_order
 * off). That must stay on their connection: a plain SET changes it for the whole instance, and then every later
 * query of the engine (entity rows numbered by scan order, a server's reads) would lose its row order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { exportLatestRows } from '../../../src/engine/latest.js';
import { findView } from '../../../src/registry/features.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

const repo: RepoInput = {
  project: 'session_settings',
  entities: [{ name: 'user', joinKeys: ['user_id'] }],
  sources: [{ name: 'clicks_src', type: 'table', table: 'clicks_rows' }],
  featureViews: [{ name: 'clicks', entities: ['user'], source: 'clicks_src', schema: [{ name: 'clicks', dtype: 'int64' }] }],
};
const tables = {
  clicks_rows: `SELECT * FROM (VALUES (1, TIMESTAMPTZ '2024-01-01 10:00:00+00', 5), (2, TIMESTAMPTZ '2024-01-01 11:00:00+00', 7))
    t(user_id, event_timestamp, clicks)`,
};

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, tables);
});
afterAll(() => engine.close());

async function insertionOrderElsewhere(): Promise<unknown> {
  return engine.ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(`SELECT current_setting('preserve_insertion_order')`);
    return reader.getRowsJS()[0]?.[0];
  });
}

describe('row order settings stay on the connection that changed them', () => {
  it('a training set, open or written, leaves other connections in insertion order', async () => {
    const set = await getHistoricalFeatures(engine.ctx, { rows: [{ user_id: 1, event_timestamp: at('2024-01-02 00:00') }] }, ['clicks:clicks']);
    try {
      expect(await insertionOrderElsewhere()).toBe(true);
      expect(await set.toRows()).toEqual([expect.objectContaining({ user_id: 1n, clicks: 5n })]);
      expect(await insertionOrderElsewhere()).toBe(true);
    } finally {
      set.close();
    }
  });

  it('a latest-row export leaves other connections in insertion order', async () => {
    let rows = 0;
    await exportLatestRows(engine.ctx, findView(engine.ctx.repo, 'clicks'), { start: undefined, end: at('2024-01-02 00:00') }, async (batch) => {
      rows += batch.length;
    });
    expect(rows).toBe(2);
    expect(await insertionOrderElsewhere()).toBe(true);
  });
});
