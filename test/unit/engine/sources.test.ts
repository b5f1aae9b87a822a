/** Every source kind feeds the point-in-time join: file globs, CSV, sql over other sources, DuckDB tables. */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/engine/context.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { describeSource } from '../../../src/engine/sources.js';
import { RepoSchema, type RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
const entity = [{ user_id: 1, event_timestamp: at('2024-01-03 00:00') }];

const repo = (sources: RepoInput['sources'], source = 'src'): RepoInput => ({
  project: 'sources',
  offlineStore: { path: 'offline', database: 'warehouse.duckdb' },
  entities: [{ name: 'user', joinKeys: ['user_id'] }],
  sources,
  featureViews: [{ name: 'v', entities: ['user'], source, schema: [{ name: 'clicks', dtype: 'int64' }] }],
});

async function clicksFor(input: RepoInput): Promise<unknown> {
  const ctx = await openEngine(RepoSchema.parse(input), engine.dir, { threads: 1 });
  try {
    const set = await getHistoricalFeatures(ctx, { rows: entity }, ['v:clicks']);
    try {
      return (await set.toRows())[0]?.['clicks'];
    } finally {
      set.close();
    }
  } finally {
    ctx.db.close();
  }
}

beforeAll(async () => {
  engine = await testEngine({ project: 'setup' });
  const day = (d: number, clicks: number) =>
    `COPY (SELECT 1::BIGINT AS user_id, TIMESTAMPTZ '2024-01-0${d} 00:00:00+00' AS event_timestamp, ${clicks} AS clicks)
     TO '${path.join(engine.dir, `part-${d}.parquet`)}' (FORMAT parquet)`;
  await engine.run(day(1, 10));
  await engine.run(day(2, 20));
  await engine.run(`COPY (SELECT 1 AS user_id, '2024-01-02T12:00:00Z' AS ts, 25 AS clicks) TO '${path.join(engine.dir, 'rows.csv')}' (FORMAT csv, HEADER true)`);
  const warehouse = await DuckDBInstance.create(path.join(engine.dir, 'warehouse.duckdb'));
  const conn = await warehouse.connect();
  await conn.run(`CREATE TABLE clicks_table AS SELECT 1::BIGINT AS user_id, TIMESTAMPTZ '2024-01-02 06:00:00+00' AS event_timestamp, 30 AS clicks`);
  conn.closeSync();
  warehouse.closeSync();
});
afterAll(() => engine.close());

describe('sources', () => {
  it('reads a glob of Parquet files as one source', async () => {
    expect(await clicksFor(repo([{ name: 'src', type: 'file', path: 'part-*.parquet' }]))).toBe(20n);
  });

  it('reads a CSV file with its own timestamp column name', async () => {
    expect(await clicksFor(repo([{ name: 'src', type: 'file', path: 'rows.csv', timestampField: 'ts' }]))).toBe(25n);
  });

  it('reads a table of the offline DuckDB database', async () => {
    expect(await clicksFor(repo([{ name: 'src', type: 'table', table: 'clicks_table' }]))).toBe(30n);
  });

  it('runs a sql source over other sources', async () => {
    const sources: RepoInput['sources'] = [
      { name: 'raw', type: 'file', path: 'part-*.parquet' },
      { name: 'src', type: 'sql', query: 'SELECT user_id, event_timestamp, clicks * 2 AS clicks FROM {raw} WHERE clicks < 15' },
    ];
    expect(await clicksFor(repo(sources))).toBe(20n);
  });

  it('describes a source by its columns and names a cycle between sql sources', async () => {
    const ctx = await openEngine(
      RepoSchema.parse(repo([
        { name: 'src', type: 'sql', query: 'SELECT * FROM {other}' },
        { name: 'other', type: 'sql', query: 'SELECT * FROM {src}' },
        { name: 'files', type: 'file', path: 'part-*.parquet' },
      ])),
      engine.dir,
      { threads: 1 },
    );
    try {
      expect([...(await describeSource(ctx, 'files')).keys()]).toEqual(['user_id', 'event_timestamp', 'clicks']);
      await expect(describeSource(ctx, 'src')).rejects.toThrow(/cycle: src -> other -> src/);
    } finally {
      ctx.db.close();
    }
  });
});
