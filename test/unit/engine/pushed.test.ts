// A push source reads as its batch source UNION ALL the files pushed to it: pushed rows join point-in-time like
// any other, the batch source's timestamp columns are read under the push source's names, and a half-written
// (temp) file is never read.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { appendPushedRows, type PushedColumn } from '../../../src/engine/pushed-append.js';
import { listPushedFiles, pushedDir } from '../../../src/engine/pushed-files.js';
import { describeSource } from '../../../src/engine/sources.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
const micros = (text: string) => ({ micros: BigInt(at(text).getTime()) * 1000n });
const COLUMNS: PushedColumn[] = [
  { name: 'user_id', dtype: 'int64' },
  { name: 'event_timestamp', dtype: 'timestamp' },
  { name: 'created_timestamp', dtype: 'timestamp' },
  { name: 'clicks', dtype: 'int64' },
  { name: 'tags', dtype: 'string[]' },
];

beforeAll(async () => {
  engine = await testEngine({
    project: 'push',
    offlineStore: { path: 'offline' },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [
      // The batch source names its times differently and has no created column; the push source's names win.
      { name: 'history', type: 'file', path: 'history.parquet', timestampField: 'ts' },
      { name: 'live', type: 'push', batchSource: 'history', createdTimestampField: 'created_timestamp' },
    ],
    featureViews: [
      { name: 'stats', entities: ['user'], source: 'live', schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'tags', dtype: 'string[]' }] },
    ],
  });
  await engine.run(`COPY (SELECT 1::BIGINT AS user_id, TIMESTAMP '2024-01-01 00:00:00' AS ts, 10 AS clicks, ['old'] AS tags, 'x' AS extra)
    TO '${path.join(engine.dir, 'history.parquet')}' (FORMAT parquet)`);
});
afterAll(() => engine.close());

async function clicksAt(times: string[]): Promise<unknown[]> {
  const set = await getHistoricalFeatures(engine.ctx, { rows: times.map((t) => ({ user_id: 1, event_timestamp: at(t) })) }, ['stats:clicks', 'stats:tags']);
  try {
    return (await set.toRows()).map((r) => [r['clicks'], r['tags']]);
  } finally {
    set.close();
  }
}

describe('push sources offline', () => {
  it('read the batch source alone before anything was pushed', async () => {
    expect(await clicksAt(['2024-01-02 00:00'])).toEqual([[10n, ['old']]]);
    const columns = [...(await describeSource(engine.ctx, 'live')).keys()];
    expect(columns).toEqual(['user_id', 'clicks', 'tags', 'extra', 'event_timestamp', 'created_timestamp']);
  });

  it('join pushed rows point-in-time with the batch rows, the later created time winning a tie', async () => {
    await appendPushedRows(engine.ctx, 'live', COLUMNS, [
      [1n, micros('2024-01-03 00:00'), null, 30n, ['a', null]],
      [1n, micros('2024-01-02 00:00'), micros('2024-01-02 00:00'), 20n, []],
    ]);
    await appendPushedRows(engine.ctx, 'live', COLUMNS, [[1n, micros('2024-01-02 00:00'), micros('2024-01-02 01:00'), 21n, null]]);
    expect(await clicksAt(['2024-01-01 12:00', '2024-01-02 12:00', '2024-01-04 00:00'])).toEqual([
      [10n, ['old']],
      [21n, null],
      [30n, ['a', null]],
    ]);
  });

  it('never read temp files or other names left in the pushed folder', async () => {
    const dir = pushedDir(engine.ctx.repo, engine.ctx.repoDir, 'live');
    // What a crash mid-write leaves: a torn temp file (hidden, not *.parquet), and foreign files.
    writeFileSync(path.join(dir, '.1700000000000000-1-abc.parquet.tmp'), 'PAR1 torn');
    writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    mkdirSync(path.join(dir, 'sub.parquet'), { recursive: true });
    expect(listPushedFiles(dir).map((f) => path.basename(f)).every((name) => /^\d+-\d+-[0-9a-f]+\.parquet$/.test(name))).toBe(true);
    expect(listPushedFiles(dir)).toHaveLength(2);
    expect(await clicksAt(['2024-01-04 00:00'])).toEqual([[30n, ['a', null]]]);
  });

  it('leave nothing behind when an append fails before its rename', async () => {
    const dir = pushedDir(engine.ctx.repo, engine.ctx.repoDir, 'live');
    const before = readdirSync(dir).sort();
    // A string where the column is BIGINT: the appender refuses it, after the temp table exists.
    await expect(appendPushedRows(engine.ctx, 'live', COLUMNS, [[1n, micros('2024-01-05 00:00'), null, 'many' as unknown, []]])).rejects.toThrow(
      /appending pushed rows to source "live" failed/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('pushed files', () => {
  it('keep every dtype exactly, lists and nulls included', async () => {
    const columns: PushedColumn[] = [
      { name: 'i32', dtype: 'int32' }, { name: 'i64', dtype: 'int64' }, { name: 'f32', dtype: 'float32' }, { name: 'f64', dtype: 'float64' },
      { name: 's', dtype: 'string' }, { name: 'b', dtype: 'bool' }, { name: 't', dtype: 'timestamp' }, { name: 'raw', dtype: 'bytes' },
      { name: 'times', dtype: 'timestamp[]' }, { name: 'floats', dtype: 'float64[]' }, { name: 'blobs', dtype: 'bytes[]' },
    ];
    const file = await appendPushedRows(engine.ctx, 'every_dtype', columns, [
      [7, 2n ** 62n, 0.1, NaN, 'é"', true, micros('2024-01-01 00:00'), new Uint8Array([0, 255]), [micros('2024-01-02 00:00'), null], [1.5, null], [new Uint8Array([1])]],
      [null, null, null, null, null, null, null, null, null, null, null],
    ]);
    const rows = await engine.ctx.db.withConnection(async (c) =>
      (await c.runAndReadAll(`SELECT typeof(COLUMNS(*)) FROM read_parquet('${file}') LIMIT 1`)).getRowsJS()[0],
    );
    expect(rows).toEqual(['INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP WITH TIME ZONE', 'BLOB', 'TIMESTAMP WITH TIME ZONE[]', 'DOUBLE[]', 'BLOB[]']);
    const values = await engine.ctx.db.withConnection(async (c) =>
      (await c.runAndReadAll(`SELECT i64::VARCHAR, f32, isnan(f64), s, strftime(t, '%Y-%m-%d'), hex(raw), len(times), floats, i32 FROM read_parquet('${file}')`)).getRowsJS(),
    );
    expect(values).toEqual([
      [String(2n ** 62n), Math.fround(0.1), true, 'é"', '2024-01-01', '00FF', 2n, [1.5, null], 7],
      [null, null, null, null, null, null, null, null, null],
    ]);
  });
});
