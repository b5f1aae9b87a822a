/**
 * Hand-written point-in-time cases, one per rule of SPEC section 2. Values are chosen so that each wrong rule
 * (off-by-one on a bound, wrong tie-break, leakage) gives a different answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

const repo: RepoInput = {
  project: 'golden',
  entities: [
    { name: 'user', joinKeys: ['user_id'] },
    { name: 'merchant', joinKeys: ['merchant_id'] },
  ],
  sources: [
    { name: 'user_src', type: 'table', table: 'user_rows', createdTimestampField: 'created' },
    { name: 'merchant_src', type: 'table', table: 'merchant_rows' },
    { name: 'pair_src', type: 'table', table: 'pair_rows' },
  ],
  featureViews: [
    {
      name: 'user_stats', entities: ['user'], source: 'user_src', ttl: '1h',
      schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'score', dtype: 'float64' }],
    },
    { name: 'merchant_stats', entities: ['merchant'], source: 'merchant_src', schema: [{ name: 'score', dtype: 'float64' }] },
    {
      name: 'pair_stats', entities: ['user', 'merchant'], source: 'pair_src', ttl: 86400,
      schema: [{ name: 'txns', dtype: 'int32' }],
    },
  ],
  featureServices: [{ name: 'fraud_v1', features: { user_stats: ['clicks'], pair_stats: ['txns'] } }],
};

const ts = (t: string) => `TIMESTAMPTZ '2024-01-01 ${t}:00+00'`;
const tables = {
  user_rows: `SELECT * FROM (VALUES
      (1, ${ts('10:00')}, ${ts('10:00')}, 1, 0.5),
      (1, ${ts('11:00')}, ${ts('11:05')}, 2, 0.6),
      (1, ${ts('11:00')}, ${ts('11:30')}, 3, 0.7),
      (1, ${ts('12:00')}, ${ts('12:00')}, NULL, 0.8),
      (2, ${ts('09:00')}, ${ts('09:00')}, 20, 2.0)
    ) t(user_id, event_timestamp, created, clicks, score)`,
  merchant_rows: `SELECT * FROM (VALUES (7, ${ts('08:00')}, 0.25), (7, ${ts('13:00')}, 0.75)) t(merchant_id, event_timestamp, score)`,
  pair_rows: `SELECT * FROM (VALUES (1, 7, ${ts('10:30')}, 5), (2, 7, ${ts('10:30')}, 9)) t(user_id, merchant_id, event_timestamp, txns)`,
};

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, tables);
});
afterAll(() => engine.close());

async function rows(
  entityRows: Array<Record<string, unknown>>,
  features: string[],
  options: { fullFeatureNames?: boolean; filterByCreatedTimestamp?: boolean } = {},
) {
  const set = await getHistoricalFeatures(engine.ctx, { rows: entityRows }, features, options);
  try {
    return await set.toRows();
  } finally {
    set.close();
  }
}

describe('point-in-time join', () => {
  it('takes a row whose event time is exactly the entity time', async () => {
    const [row] = await rows([{ user_id: 1, event_timestamp: at('2024-01-01 10:00') }], ['user_stats:clicks']);
    expect(row?.['clicks']).toBe(1n);
  });

  it('never takes a row from after the entity time', async () => {
    const [row] = await rows([{ user_id: 1, event_timestamp: at('2024-01-01 10:59') }], ['user_stats:clicks']);
    expect(row?.['clicks']).toBe(1n);
  });

  it('includes a row exactly at T - ttl and excludes one just older', async () => {
    const result = await rows(
      [
        { user_id: 1, event_timestamp: at('2024-01-01 11:00') },
        { user_id: 2, event_timestamp: at('2024-01-01 10:00') },
        { user_id: 2, event_timestamp: new Date(at('2024-01-01 10:00').getTime() + 1000) },
      ],
      ['user_stats:score'],
    );
    expect(result.map((r) => r['score'])).toEqual([0.7, 2.0, null]);
  });

  it('breaks ties on event time by the greatest created time', async () => {
    const [row] = await rows([{ user_id: 1, event_timestamp: at('2024-01-01 11:10') }], ['user_stats:clicks']);
    expect(row?.['clicks']).toBe(3n);
  });

  it('returns null for an entity with no rows', async () => {
    const [row] = await rows([{ user_id: 99, event_timestamp: at('2024-01-01 11:10') }], ['user_stats:clicks']);
    expect(row?.['clicks']).toBeNull();
  });

  it('returns a stored null rather than an older non-null value', async () => {
    const [row] = await rows([{ user_id: 1, event_timestamp: at('2024-01-01 12:30') }], ['user_stats:clicks', 'user_stats:score']);
    expect(row).toMatchObject({ clicks: null, score: 0.8 });
  });

  it('applies no age limit when a view has no ttl', async () => {
    const [row] = await rows([{ merchant_id: 7, event_timestamp: at('2024-01-01 12:59') }], ['merchant_stats:score']);
    expect(row?.['score']).toBe(0.25);
  });

  it('joins views with different and composite keys, keeping extra columns and input order', async () => {
    const input = [
      { user_id: 2, merchant_id: 7, event_timestamp: at('2024-01-01 13:30'), label: 'b' },
      { user_id: 1, merchant_id: 7, event_timestamp: at('2024-01-01 10:45'), label: 'a' },
      { user_id: 1, merchant_id: 8, event_timestamp: at('2024-01-01 10:45'), label: 'c' },
    ];
    const result = await rows(input, ['pair_stats:txns', 'user_stats:clicks', 'merchant_stats:score'], { fullFeatureNames: true });
    expect(result).toEqual([
      { user_id: 2n, merchant_id: 7n, event_timestamp: at('2024-01-01 13:30'), label: 'b', pair_stats__txns: 9, user_stats__clicks: null, merchant_stats__score: 0.75 },
      { user_id: 1n, merchant_id: 7n, event_timestamp: at('2024-01-01 10:45'), label: 'a', pair_stats__txns: 5, user_stats__clicks: 1n, merchant_stats__score: 0.25 },
      { user_id: 1n, merchant_id: 8n, event_timestamp: at('2024-01-01 10:45'), label: 'c', pair_stats__txns: null, user_stats__clicks: 1n, merchant_stats__score: null },
    ]);
  });

  it('expands a feature service in its listed order', async () => {
    const [row] = await rows([{ user_id: 1, merchant_id: 7, event_timestamp: at('2024-01-01 11:00') }], ['service:fraud_v1']);
    expect(Object.keys(row ?? {})).toEqual(['user_id', 'merchant_id', 'event_timestamp', 'clicks', 'txns']);
    expect(row).toMatchObject({ clicks: 3n, txns: 5 });
  });

  it('refuses a name clash without full feature names and says how to fix it', async () => {
    await expect(
      rows([{ user_id: 1, merchant_id: 7, event_timestamp: at('2024-01-01 11:00') }], ['user_stats:score', 'merchant_stats:score']),
    ).rejects.toThrow(/"score" is requested from both "user_stats" and "merchant_stats".*full feature names/);
  });

  it('reads entity times in any zone as UTC instants', async () => {
    const result = await rows(
      [
        { user_id: 1, event_timestamp: '2024-01-01T12:00:00+02:00' },
        { user_id: 1, event_timestamp: '2024-01-01 10:00:00' },
      ],
      ['user_stats:clicks'],
    );
    expect(result.map((r) => [r['event_timestamp'], r['clicks']])).toEqual([
      [at('2024-01-01 10:00'), 1n],
      [at('2024-01-01 10:00'), 1n],
    ]);
  });

  it('with filterByCreatedTimestamp ignores rows created after the entity time', async () => {
    const entity = [{ user_id: 1, event_timestamp: at('2024-01-01 11:10') }];
    const [row] = await rows(entity, ['user_stats:clicks'], { filterByCreatedTimestamp: true });
    expect(row?.['clicks']).toBe(2n);
    // At 11:01 both 11:00 rows were not yet created and the 10:00 row is past the 1h ttl.
    const [early] = await rows([{ user_id: 1, event_timestamp: at('2024-01-01 11:01') }], ['user_stats:clicks'], {
      filterByCreatedTimestamp: true,
    });
    expect(early?.['clicks']).toBeNull();
    const [unfiltered] = await rows([{ user_id: 1, event_timestamp: at('2024-01-01 11:01') }], ['user_stats:clicks']);
    expect(unfiltered?.['clicks']).toBe(3n);
  });

  it('names the missing join key column', async () => {
    await expect(rows([{ event_timestamp: at('2024-01-01 11:00') }], ['user_stats:clicks'])).rejects.toThrow(
      /"user_stats" joins on user_id, but the entity rows have no "user_id" column/,
    );
  });

  it('names a missing event_timestamp column', async () => {
    await expect(rows([{ user_id: 1 }], ['user_stats:clicks'])).rejects.toThrow(/no "event_timestamp" column/);
  });

  it('names an unknown view or feature', async () => {
    await expect(rows([{ user_id: 1, event_timestamp: at('2024-01-01 11:00') }], ['nope:clicks'])).rejects.toThrow(/unknown feature view "nope"/);
    await expect(rows([{ user_id: 1, event_timestamp: at('2024-01-01 11:00') }], ['user_stats:nope'])).rejects.toThrow(/has no feature "nope"/);
  });
});
