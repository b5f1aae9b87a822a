/**
 * Infinite times under a TTL. The TTL is checked on integer microseconds (pit-join.ts), which have no infinity;
 * these pin the answers the timestamp arithmetic gave: an infinite entity time takes a row at the same infinity
 * whatever the TTL, and a finite row only without one, on the packed key too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';

const view = (name: string, source: string, ttl?: string) => ({
  name, entities: ['user'], source, ...(ttl ? { ttl } : {}), schema: [{ name: 'x', dtype: 'int64' as const }],
});
const repo: RepoInput = {
  project: 'infinite',
  entities: [{ name: 'user', joinKeys: ['k'] }],
  sources: [
    { name: 'src', type: 'table', table: 'view_rows' },
    // Whole seconds with created times: joined on the packed key, whose TTL check reads the key (pit-key.ts).
    { name: 'packed_src', type: 'table', table: 'packed_rows', createdTimestampField: 'created' },
  ],
  featureViews: [
    view('with_ttl', 'src', '1d'), view('no_ttl', 'src'),
    view('packed_with_ttl', 'packed_src', '1d'), view('packed_no_ttl', 'packed_src'),
  ],
};

const day = `TIMESTAMPTZ '2024-01-01 00:00:00+00'`;
const tables = {
  view_rows: `SELECT * FROM (VALUES
      (1, 'infinity'::TIMESTAMPTZ, 10), (1, ${day}, 11),
      (2, '-infinity'::TIMESTAMPTZ, 20), (2, ${day}, 21),
      (3, ${day}, 30)
    ) t(k, event_timestamp, x)`,
  packed_rows: `SELECT * FROM (VALUES (1, ${day}, ${day}, 11), (2, ${day}, ${day}, 21), (3, ${day}, ${day}, 30))
    t(k, event_timestamp, created, x)`,
  entity_rows: `SELECT * FROM (VALUES
      (1, 'infinity'::TIMESTAMPTZ), (2, '-infinity'::TIMESTAMPTZ), (3, 'infinity'::TIMESTAMPTZ),
      (2, ${day} + INTERVAL 1 HOUR), (1, NULL::TIMESTAMPTZ)
    ) t(k, event_timestamp)`,
};

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, tables);
});
afterAll(() => engine.close());

/** The x column as text, in input order (CSV: JS dates cannot hold infinity). */
async function xs(feature: string): Promise<string[]> {
  const set = await getHistoricalFeatures(engine.ctx, { table: 'entity_rows' }, [feature]);
  const file = path.join(engine.dir, `${feature.replace(':', '-')}.csv`);
  try {
    await set.toCsv(file);
  } finally {
    set.close();
  }
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').pop() ?? '');
}

describe('infinite times', () => {
  it('with a TTL, an infinite entity time takes only a row at the same infinity', async () => {
    expect(await xs('with_ttl:x')).toEqual(['10', '20', '', '21', '']);
  });

  it('without a TTL, an infinite entity time takes the latest row of its key', async () => {
    expect(await xs('no_ttl:x')).toEqual(['10', '20', '30', '21', '']);
  });

  it('on the packed key, an infinite entity time takes no finite row within a TTL, and the latest without one', async () => {
    expect(await xs('packed_with_ttl:x')).toEqual(['', '', '', '21', '']);
    expect(await xs('packed_no_ttl:x')).toEqual(['11', '', '30', '21', '']);
  });
});
