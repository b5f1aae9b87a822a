/**
 * The last join of a training set runs inside the set's first query (training-set.ts) instead of being stored by
 * getHistoricalFeatures. These pin what callers still see: a source that cannot be read fails the request itself,
 * a value failing mid-join fails the query as a join failure naming the view (not as a write failure), every join
 * reports progress, and the set can be read more than once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/engine/errors.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import type { ProgressEvent } from '../../../src/engine/progress.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

const repo: RepoInput = {
  project: 'last_join',
  entities: [{ name: 'user', joinKeys: ['user_id'] }],
  sources: [
    { name: 'good_src', type: 'table', table: 'good_rows' },
    { name: 'bad_value_src', type: 'table', table: 'bad_value_rows' },
    { name: 'missing_src', type: 'file', path: 'missing.parquet' },
  ],
  featureViews: [
    { name: 'good', entities: ['user'], source: 'good_src', schema: [{ name: 'clicks', dtype: 'int64' }] },
    { name: 'also_good', entities: ['user'], source: 'good_src', schema: [{ name: 'clicks', dtype: 'int64' }] },
    { name: 'bad_value', entities: ['user'], source: 'bad_value_src', schema: [{ name: 'amount', dtype: 'int64' }] },
    { name: 'missing', entities: ['user'], source: 'missing_src', schema: [{ name: 'n', dtype: 'int64' }] },
  ],
};

const ts = `TIMESTAMPTZ '2024-01-01 10:00:00+00'`;
const tables = {
  good_rows: `SELECT * FROM (VALUES (1, ${ts}, 5), (2, ${ts}, 7)) t(user_id, event_timestamp, clicks)`,
  // Text that only fails when the join casts it to the declared int64, row by row.
  bad_value_rows: `SELECT * FROM (VALUES (1, ${ts}, '3'), (2, ${ts}, 'many')) t(user_id, event_timestamp, amount)`,
};
const entityRows = [
  { user_id: 2, event_timestamp: at('2024-01-02 00:00') },
  { user_id: 1, event_timestamp: at('2024-01-02 00:00') },
];

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(repo, tables);
});
afterAll(() => engine.close());

describe('the last join of a training set', () => {
  it('a source that cannot be read fails getHistoricalFeatures itself, naming the view', async () => {
    const attempt = getHistoricalFeatures(engine.ctx, { rows: entityRows }, ['good:clicks', 'missing:n']);
    await expect(attempt).rejects.toThrow(SourceError);
    await expect(attempt).rejects.toThrow(/joining feature view "missing" \(source "missing_src" \(file .*\), keys user_id\) failed/);
  });

  it('a value failing mid-join fails the first query as a join failure naming the view', async () => {
    const set = await getHistoricalFeatures(engine.ctx, { rows: entityRows }, ['good:clicks', 'bad_value:amount']);
    try {
      const file = path.join(engine.dir, 'bad.csv');
      const attempt = set.toCsv(file);
      await expect(attempt).rejects.toThrow(SourceError);
      await expect(attempt).rejects.toThrow(/joining feature view "bad_value" \(source "bad_value_src", keys user_id\) failed: Conversion Error/);
    } finally {
      set.close();
    }
  });

  it('reports its progress while the set is first read, after the joins before it', async () => {
    const events: ProgressEvent[] = [];
    const done = (): string[] => events.filter((e) => e.done).map((e) => `${e.step}/${e.steps} ${e.label}`);
    const set = await getHistoricalFeatures(engine.ctx, { rows: entityRows }, ['good:clicks', 'also_good:clicks'], {
      fullFeatureNames: true,
      onProgress: (e) => events.push(e),
    });
    try {
      expect(done()).toEqual(['1/2 joining good']);
      expect((await set.toRows()).map((r) => r['also_good__clicks'])).toEqual([7n, 5n]);
      expect(done()).toEqual(['1/2 joining good', '2/2 joining also_good']);
    } finally {
      set.close();
    }
  });

  it('gives the same rows every time the set is read', async () => {
    const set = await getHistoricalFeatures(engine.ctx, { rows: entityRows }, ['good:clicks']);
    try {
      const file = path.join(engine.dir, 'twice.csv');
      await set.toCsv(file);
      const first = readFileSync(file, 'utf8');
      await set.toCsv(file);
      expect(readFileSync(file, 'utf8')).toBe(first);
      expect((await set.toRows()).map((r) => r['clicks'])).toEqual([7n, 5n]);
    } finally {
      set.close();
    }
  });
});
