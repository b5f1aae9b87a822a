/** Entity inputs (file, table, rows) and outputs (CSV, Parquet, Arrow) of a training set. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/engine/database.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import type { EntityInput } from '../../../src/engine/entities.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
let entitiesCsv: string;

beforeAll(async () => {
  engine = await testEngine(
    {
      project: 'io',
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'src', type: 'file', path: 'stats.parquet' }],
      featureViews: [
        {
          name: 'stats', entities: ['user'], source: 'src',
          schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'vec', dtype: 'float32[]' }, { name: 'tag', dtype: 'string' }],
        },
      ],
    },
    {
      entity_table: `SELECT * FROM (VALUES (2::BIGINT, TIMESTAMP '2024-01-01 12:00:00', 'x'), (1::BIGINT, TIMESTAMP '2024-01-01 12:00:00', 'y')) t(user_id, event_timestamp, note)`,
    },
  );
  // Stored in +05:00: the instants, not the wall-clock text, must decide the join. Written by a DuckDB of the test's
  // own: the engine's configuration is locked (no SET TimeZone).
  const writer = await Database.open({ threads: 1 });
  try {
    await writer.withConnection(async (c) => {
      await c.run(`SET TimeZone = 'Asia/Karachi'`);
      await c.run(`COPY (SELECT * FROM (VALUES
          (1, TIMESTAMPTZ '2024-01-01 16:00:00+05', 7, [1.5, 2.5], 'a'),
          (2, TIMESTAMPTZ '2024-01-01 17:00:01+05', 9, NULL, NULL)) t(user_id, event_timestamp, clicks, vec, tag))
        TO '${path.join(engine.dir, 'stats.parquet')}' (FORMAT parquet)`);
    });
  } finally {
    writer.close();
  }
  entitiesCsv = path.join(engine.dir, 'entities.csv');
  await engine.run(`COPY (SELECT * FROM entity_table) TO '${entitiesCsv}' (FORMAT csv, HEADER true)`);
});
afterAll(() => engine.close());

async function training(entities: EntityInput) {
  return getHistoricalFeatures(engine.ctx, entities, ['stats:clicks', 'stats:vec', 'stats:tag']);
}

describe('training set inputs and outputs', () => {
  const expected = [
    { user_id: 2n, event_timestamp: at('2024-01-01 12:00'), note: 'x', clicks: null, vec: null, tag: null },
    { user_id: 1n, event_timestamp: at('2024-01-01 12:00'), note: 'y', clicks: 7n, vec: [1.5, 2.5], tag: 'a' },
  ];

  it('reads entities from a DuckDB table, a CSV file and in-memory rows alike', async () => {
    for (const input of [
      { table: 'entity_table' },
      { path: entitiesCsv },
      { rows: [{ user_id: 2, event_timestamp: '2024-01-01T12:00:00Z', note: 'x' }, { user_id: 1, event_timestamp: at('2024-01-01 12:00'), note: 'y' }] },
    ]) {
      const set = await training(input);
      try {
        expect(await set.toRows()).toEqual(expected);
      } finally {
        set.close();
      }
    }
  });

  it('keeps the input order of a Parquet entity file read in parallel, and of one with its own file_row_number', async () => {
    // Row groups of 2,048 rows, so the file is read by several threads (entities.ts numbers its rows by position).
    // Written with ORDER BY: a training set earlier in the process lets DuckDB reorder unordered results.
    const file = path.join(engine.dir, 'many.parquet');
    await engine.run(`COPY (SELECT (hash(i) % 3)::BIGINT AS user_id, TIMESTAMP '2024-01-01 12:00:00' AS event_timestamp, i AS n
        FROM range(30000) t(i) ORDER BY i) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const own = path.join(engine.dir, 'own-row-number.parquet');
    await engine.run(`COPY (SELECT *, 30000 - n AS file_row_number FROM '${file}' ORDER BY n) TO '${own}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const inOrder = Array.from({ length: 30000 }, (_, i) => BigInt(i));
    for (const input of [file, own]) {
      const set = await training({ path: input });
      try {
        const rows = await set.toRows();
        expect(rows.map((r) => r['n'])).toEqual(inOrder);
        if (input === own) expect(rows.map((r) => r['file_row_number'])).toEqual(inOrder.map((n) => 30000n - n));
      } finally {
        set.close();
      }
    }
  });

  it('writes CSV and Parquet files that read back the same', async () => {
    const set = await training({ table: 'entity_table' });
    const csv = path.join(engine.dir, 'out.csv');
    const parquet = path.join(engine.dir, 'out.parquet');
    try {
      await set.toCsv(csv);
      await set.toParquet(parquet);
    } finally {
      set.close();
    }
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe('user_id,event_timestamp,note,clicks,vec,tag');
    await engine.ctx.db.withConnection(async (c) => {
      const rows = (await c.runAndReadAll(`SELECT * FROM '${parquet}'`)).getRowObjectsJS();
      expect(rows).toEqual(expected);
    });
  });

  it('builds an Arrow table with int64 as bigint and UTC timestamps', async () => {
    const set = await training({ table: 'entity_table' });
    try {
      const table = await set.toArrow();
      expect(table.numRows).toBe(2);
      expect(table.schema.fields.map((f) => f.name)).toEqual(['user_id', 'event_timestamp', 'note', 'clicks', 'vec', 'tag']);
      expect(table.getChild('clicks')?.toArray()[1]).toBe(7n);
      expect(table.getChild('event_timestamp')?.get(0)).toBe(at('2024-01-01 12:00').getTime());
      expect([...(table.getChild('vec')?.get(1) ?? [])]).toEqual([1.5, 2.5]);
    } finally {
      set.close();
    }
  });

  it('refuses an entity file that does not exist, naming it', async () => {
    await expect(training({ path: path.join(engine.dir, 'missing.parquet') })).rejects.toThrow(/cannot read entity file .*missing\.parquet/);
  });

  it('refuses entity rows whose timestamp is a number, saying what it needs', async () => {
    await expect(training({ rows: [{ user_id: 1, event_timestamp: 1704067200000 }] })).rejects.toThrow(
      /"event_timestamp" is BIGINT; it must be a timestamp, a date or an ISO-8601 string/,
    );
  });
});
