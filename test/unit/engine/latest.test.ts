/** Latest row per entity in [start, end), encoded for the online store by DuckDB. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLatestRows, type LatestRow } from '../../../src/engine/latest.js';
import { findView } from '../../../src/registry/features.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
const ts = (t: string) => `TIMESTAMPTZ '2024-01-01 ${t}:00+00'`;

beforeAll(async () => {
  engine = await testEngine(
    {
      project: 'latest',
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }, { name: 'shop', joinKeys: ['shop'] }],
      sources: [
        { name: 'src', type: 'table', table: 'rows', createdTimestampField: 'created' },
        { name: 'typed_src', type: 'table', table: 'typed' },
      ],
      featureViews: [
        { name: 'stats', entities: ['user', 'shop'], source: 'src', schema: [{ name: 'n', dtype: 'int64' }] },
        {
          name: 'typed', entities: ['shop'], source: 'typed_src',
          schema: [
            { name: 'big', dtype: 'int64' }, { name: 'small', dtype: 'int32' }, { name: 'f32', dtype: 'float32' },
            { name: 'f64', dtype: 'float64' }, { name: 'txt', dtype: 'string' }, { name: 'ok', dtype: 'bool' },
            { name: 'at', dtype: 'timestamp' }, { name: 'raw', dtype: 'bytes' }, { name: 'vec', dtype: 'float32[]' },
            { name: 'nothing', dtype: 'string' },
          ],
        },
      ],
    },
    {
      rows: `SELECT * FROM (VALUES
          (1, 'a', ${ts('10:00')}, ${ts('10:00')}, 1),
          (1, 'a', ${ts('11:00')}, ${ts('11:01')}, 2),
          (1, 'a', ${ts('11:00')}, ${ts('11:05')}, 3),
          (1, 'a', ${ts('12:00')}, ${ts('12:00')}, 4),
          (2, 'b c', ${ts('09:00')}, NULL, 5),
          (NULL, 'a', ${ts('10:00')}, NULL, 6)
        ) t(user_id, shop, event_timestamp, created, n)`,
      typed: `SELECT 'x' AS shop, ${ts('10:00')} AS event_timestamp, 9007199254740993::BIGINT AS big, -7 AS small,
          0.1::FLOAT AS f32, 'NaN'::DOUBLE AS f64, 'say "hi"' || chr(10) AS txt, true AS ok,
          TIMESTAMPTZ '2024-05-01 10:00:00.123456+00' AS at, '\\x00\\xFF'::BLOB AS raw, [1.5, NULL]::FLOAT[] AS vec,
          NULL::VARCHAR AS nothing`,
    },
  );
});
afterAll(() => engine.close());

async function latest(view: string, start: Date | undefined, end: Date): Promise<LatestRow[]> {
  const rows: LatestRow[] = [];
  await exportLatestRows(engine.ctx, findView(engine.ctx.repo, view), { start, end, batchRows: 1 }, async (batch) => {
    rows.push(...batch);
  });
  return rows.sort((a, b) => a.key.localeCompare(b.key));
}

describe('latest row per entity', () => {
  it('takes the greatest event time, then the greatest created time, within [start, end)', async () => {
    const rows = await latest('stats', at('2024-01-01 09:00'), at('2024-01-01 12:00'));
    expect(rows).toEqual([
      { key: 'i1,sa', eventMicros: at('2024-01-01 11:00').getTime() * 1000, createdMicros: at('2024-01-01 11:05').getTime() * 1000, payload: '[3]' },
      { key: 'i2,h622063', eventMicros: at('2024-01-01 09:00').getTime() * 1000, createdMicros: null, payload: '[5]' },
    ]);
  });

  it('excludes rows before start and leaves out rows without a key', async () => {
    const rows = await latest('stats', at('2024-01-01 10:30'), at('2024-01-02 00:00'));
    expect(rows.map((r) => [r.key, r.payload])).toEqual([['i1,sa', '[4]']]);
  });

  it('encodes every dtype as the JSON the API serves', async () => {
    const [row] = await latest('typed', undefined, at('2024-01-02 00:00'));
    expect(row?.key).toBe('sx');
    expect(JSON.parse(row?.payload ?? '')).toEqual([
      '9007199254740993', -7, 0.1, 'NaN', 'say "hi"\n', true, '2024-05-01T10:00:00.123456Z', 'AP8=', [1.5, null], null,
    ]);
  });
});
