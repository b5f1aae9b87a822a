/**
 * View rows without an event time are left in the ASOF join's input (pit-join.ts: filtering them out cost 5-10% of
 * a join), so these pin that they are never taken: every view joined over rows with such rows mixed in must give
 * what it gives over the same rows without them, on every tie-break path, with and without a TTL, for entity rows
 * with and without NULL times. Enough rows and keys that DuckDB splits the join across partitions and threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';

const KEYS = 500;
const time = (seed: string, unit: string): string => `TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_${unit}((hash(${seed}) % 100000)::BIGINT)`;

/** Rows of every key; one in four has no event time, and those carry x = -1 and the latest created time. */
function viewRows(unit: 'seconds' | 'milliseconds'): string {
  return `SELECT (i % ${KEYS})::BIGINT AS k,
      CASE WHEN hash(i * 7) % 4 = 0 THEN NULL ELSE ${time('i * 3', unit)} END AS event_timestamp,
      CASE WHEN hash(i * 7) % 4 = 0 THEN TIMESTAMPTZ '2030-01-01 00:00:00+00' ELSE ${time('i * 5', unit)} END AS created,
      CASE WHEN hash(i * 7) % 4 = 0 THEN -1 ELSE i END AS x
    FROM range(40000) t(i)`;
}

const tables = {
  // Whole seconds: the packed key; milliseconds: the struct the engine falls back to.
  seconds_rows: viewRows('seconds'),
  millis_rows: viewRows('milliseconds'),
  seconds_timed: `SELECT * FROM (${viewRows('seconds')}) WHERE event_timestamp IS NOT NULL`,
  millis_timed: `SELECT * FROM (${viewRows('milliseconds')}) WHERE event_timestamp IS NOT NULL`,
  timed_entities: `SELECT (hash(i + 1) % ${KEYS})::BIGINT AS k, ${time('i * 11', 'seconds')} AS event_timestamp FROM range(8000) t(i)`,
  some_untimed_entities: `SELECT (hash(i + 1) % ${KEYS})::BIGINT AS k,
      CASE WHEN i % 9 = 0 THEN NULL ELSE ${time('i * 11', 'seconds')} END AS event_timestamp FROM range(8000) t(i)`,
};

const sources = Object.keys(tables).filter((t) => t.endsWith('_rows') || t.endsWith('_timed'));
const repo: RepoInput = {
  project: 'null_view_times',
  entities: [{ name: 'key', joinKeys: ['k'] }],
  sources: sources.flatMap((table) => [
    { name: table, type: 'table' as const, table },
    { name: `${table}_created`, type: 'table' as const, table, createdTimestampField: 'created' },
  ]),
  featureViews: sources.flatMap((table) =>
    [table, `${table}_created`].flatMap((source) =>
      [undefined, '1d'].map((ttl) => ({
        name: `${source}${ttl ? '_ttl' : ''}`, entities: ['key'], source, ...(ttl ? { ttl } : {}),
        schema: [{ name: 'x', dtype: 'int64' as const }],
      })),
    ),
  ),
};

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, tables);
});
afterAll(() => engine.close());

async function xs(entities: string, view: string): Promise<Array<number | null>> {
  const set = await getHistoricalFeatures(engine.ctx, { table: entities }, [`${view}:x`]);
  try {
    return (await set.toRows()).map((r) => (r['x'] === null ? null : Number(r['x'])));
  } finally {
    set.close();
  }
}

describe('view rows without an event time', () => {
  for (const entities of ['timed_entities', 'some_untimed_entities']) {
    for (const unit of ['seconds', 'millis']) {
      for (const suffix of ['', '_ttl', '_created', '_created_ttl']) {
        it(`are never taken: ${unit}${suffix || ' (no created time, no TTL)'}, ${entities}`, async () => {
          const got = await xs(entities, `${unit}_rows${suffix}`);
          expect(got).not.toContain(-1);
          expect(got).toEqual(await xs(entities, `${unit}_timed${suffix}`));
          // Not vacuous: most rows find a row.
          expect(got.filter((x) => x !== null).length).toBeGreaterThan(got.length / 2);
        });
      }
    }
  }
});
