/**
 * The created-time tie-break is taken with a packed BIGINT key when a view's times are whole seconds from 1970 to
 * 2038, and with structs otherwise (pit-key.ts). Both paths, and the bounds between them, against a brute-force
 * reference: entity times between seconds, before 1970, after 2038 and missing; view times with milliseconds or
 * outside the packed range; missing event and created times (a missing time matches nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { rng as prng } from '../../helpers/prng.js';

interface ViewRow { k: number; e: number | null; c: number | null; v: number }
interface EntityRow { k: number; t: number | null }

const S = 1000;
const BASE = Date.UTC(2024, 0, 1);
const PRE_1970 = Date.UTC(1969, 11, 31, 23, 59, 58);
const AFTER_2038 = Date.UTC(2040, 0, 1);

/** Times in ms; a view row qualifies with e <= t and e >= t - ttl, then greatest (e, created), null created lowest. */
function reference(view: ViewRow[], entities: EntityRow[], ttlMs: number): Array<number | null> {
  return entities.map((row) => {
    if (row.t === null) return null;
    const t = row.t;
    let best: ViewRow | undefined;
    for (const r of view) {
      if (r.e === null || r.k !== row.k || r.e > t || (ttlMs > 0 && r.e < t - ttlMs)) continue;
      if (!best || best.e === null || r.e > best.e || (r.e === best.e && (r.c ?? -Infinity) > (best.c ?? -Infinity))) best = r;
    }
    return best ? best.v : null;
  });
}

type Shape = 'whole seconds' | 'milliseconds' | 'event before 1970' | 'event after 2038' | 'created after 2106';

function generate(seed: number, shape: Shape) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const view: ViewRow[] = [];
  const used = new Set<string>();
  for (let i = 0; i < 200; i++) {
    // Few distinct event seconds, so ties on event time are common; created times around them.
    let e: number | null = i === 3 ? null : BASE + int(20) * S;
    let c: number | null = rand() < 0.2 ? null : BASE + int(40) * S;
    if (shape === 'milliseconds' && rand() < 0.3) c = (c ?? BASE) + 1 + int(998);
    if (shape === 'event before 1970' && i === 7) e = PRE_1970;
    if (shape === 'event after 2038' && i === 7) e = AFTER_2038;
    if (shape === 'created after 2106' && i === 7) c = Date.UTC(2107, 0, 1);
    const key = `${i % 3}|${e}|${c}`;
    if (used.has(key)) continue;
    used.add(key);
    view.push({ k: i % 3, e, c, v: i });
  }
  const edge = [null, PRE_1970 - S, Date.UTC(1969, 11, 31, 23, 59, 59, 500), AFTER_2038 + S];
  const entities: EntityRow[] = Array.from({ length: 150 }, (_, i) => ({
    k: int(3),
    // Entity times between whole seconds too: the packed key compares their whole second.
    t: i < edge.length ? (edge[i] as number | null) : BASE + int(22) * S + (rand() < 0.5 ? int(1000) : 0),
  }));
  return { view, entities, ttlMs: [0, 5 * S][int(2)] as number };
}

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine({ project: 'tie', entities: [], sources: [], featureViews: [] });
});
afterAll(() => engine.close());

const instant = (ms: number | null): string => (ms === null ? 'NULL' : `make_timestamp(${ms}::BIGINT * 1000)::TIMESTAMPTZ`);

describe('created-time tie-break with and without the packed key', () => {
  const shapes: Shape[] = ['whole seconds', 'milliseconds', 'event before 1970', 'event after 2038', 'created after 2106'];
  for (const [n, shape] of shapes.entries()) {
    it(`agrees with the reference: ${shape}`, async () => {
      for (const seed of [1, 2, 3]) {
        const { view, entities, ttlMs } = generate(seed * 100 + n, shape);
        const table = `tie_${n}_${seed}`;
        const values = view.map((r) => `(${r.k}, ${instant(r.e)}, ${instant(r.c)}, ${r.v})`).join(', ');
        await engine.run(`CREATE TABLE ${table} AS SELECT * FROM (VALUES ${values}) t(k, event_timestamp, created, v)`);
        engine.ctx.repo = {
          ...engine.ctx.repo,
          entities: [{ name: 'a', joinKeys: ['k'] }],
          sources: [{ name: 's', type: 'table', table, timestampField: 'event_timestamp', createdTimestampField: 'created' }],
          featureViews: [{ name: 'fv', entities: ['a'], source: 's', ttl: `${ttlMs / S}s`, schema: [{ name: 'v', dtype: 'int64' }], online: true }],
        };
        const input = entities.map((r) => ({ k: r.k, event_timestamp: r.t === null ? null : new Date(r.t) }));
        const set = await getHistoricalFeatures(engine.ctx, { rows: input }, ['fv:v']);
        const got = (await set.toRows()).map((r) => (r['v'] === null ? null : Number(r['v'])));
        set.close();
        expect(got, `${shape} seed ${seed}`).toEqual(reference(view, entities, ttlMs));
      }
    });
  }
});
