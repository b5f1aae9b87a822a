/**
 * Compares the engine with a brute-force reference on random data: many keys, coarse times (so ties and exact
 * TTL bounds happen often), null values and null created times, with and without filterByCreatedTimestamp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { rng as prng } from '../../helpers/prng.js';

interface ViewRow { k1: number; k2: number; e: number; c: number | null; v: number | null }
interface EntityRow { k1: number; k2: number; t: number }

const MINUTE = 60;
const BASE = Date.UTC(2024, 0, 1) / 1000;

function reference(view: ViewRow[], entities: EntityRow[], ttl: number, filterCreated: boolean): Array<number | null> {
  return entities.map((row) => {
    let best: ViewRow | undefined;
    for (const r of view) {
      if (r.k1 !== row.k1 || r.k2 !== row.k2 || r.e > row.t) continue;
      if (ttl > 0 && r.e < row.t - ttl) continue;
      if (filterCreated && (r.c ?? r.e) > row.t) continue;
      const better =
        !best || r.e > best.e || (r.e === best.e && (r.c ?? -Infinity) > (best.c ?? -Infinity));
      if (better) best = r;
    }
    return best ? best.v : null;
  });
}

function generate(seed: number) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const view: ViewRow[] = [];
  const used = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const row: ViewRow = {
      k1: int(4), k2: int(3), e: BASE + int(60) * MINUTE,
      c: rand() < 0.15 ? null : BASE + int(120) * MINUTE,
      v: rand() < 0.1 ? null : i,
    };
    // Identical (keys, e, created) rows would make the expected answer ambiguous, so keep them unique.
    const key = `${row.k1}|${row.k2}|${row.e}|${row.c}`;
    if (used.has(key)) continue;
    used.add(key);
    view.push(row);
  }
  const entities: EntityRow[] = Array.from({ length: 200 }, () => ({ k1: int(5), k2: int(3), t: BASE + int(70) * MINUTE }));
  const ttl = [0, 10 * MINUTE, 30 * MINUTE][int(3)] as number;
  return { view, entities, ttl };
}

const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i);
let engine: TestEngine;

beforeAll(async () => {
  engine = await testEngine({ project: 'prop', entities: [], sources: [], featureViews: [] });
});
afterAll(() => engine.close());

describe('engine against a brute-force reference', () => {
  for (const seed of SEEDS) {
    it(`agrees on random data (seed ${seed})`, async () => {
      const { view, entities, ttl } = generate(seed);
      const table = `view_${seed}`;
      const values = view
        .map((r) => `(${r.k1}, ${r.k2}, to_timestamp(${r.e}), ${r.c === null ? 'NULL' : `to_timestamp(${r.c})`}, ${r.v ?? 'NULL'})`)
        .join(', ');
      await engine.run(`CREATE TABLE ${table} AS SELECT * FROM (VALUES ${values}) t(k1, k2, event_timestamp, created, v)`);
      engine.ctx.repo = {
        ...engine.ctx.repo,
        entities: [{ name: 'a', joinKeys: ['k1'] }, { name: 'b', joinKeys: ['k2'] }],
        sources: [{ name: 's', type: 'table', table, timestampField: 'event_timestamp', createdTimestampField: 'created' }],
        featureViews: [{ name: 'fv', entities: ['a', 'b'], source: 's', ttl, schema: [{ name: 'v', dtype: 'int64' }], online: true }],
      };
      const input = entities.map((r) => ({ k1: r.k1, k2: r.k2, event_timestamp: new Date(r.t * 1000) }));
      for (const filterByCreatedTimestamp of [false, true]) {
        const set = await getHistoricalFeatures(engine.ctx, { rows: input }, ['fv:v'], { filterByCreatedTimestamp });
        const got = (await set.toRows()).map((r) => (r['v'] === null ? null : Number(r['v'])));
        set.close();
        expect(got, `seed ${seed} filterCreated=${filterByCreatedTimestamp}`).toEqual(reference(view, entities, ttl, filterByCreatedTimestamp));
      }
    });
  }
});
