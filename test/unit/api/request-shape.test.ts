// The byte-level count of a /get-online-features body's entities and features, used to refuse an oversized body
// before parsing it: exact for valid JSON whatever the spacing, strings, nesting or key order.
import { describe, expect, it } from 'vitest';
import { scanRequestShape } from '../../../src/api/request-shape.js';

const shape = (body: unknown): Promise<unknown> => scanRequestShape(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('scanRequestShape', () => {
  it('counts the longest entities list and the features list', async () => {
    expect(await shape({ features: ['v:a', 'v:b', 'v:c'], entities: { user_id: [1, 2, 3, 4], merchant_id: ['a', 'b'] } })).toEqual({ rows: 4, features: 3, partial: false });
    expect(await shape({ entities: { user_id: [7] }, feature_service: 'svc' })).toEqual({ rows: 1, features: 0, partial: false });
  });

  it('is not fooled by commas, brackets and quotes inside strings, nor by spacing', async () => {
    const body = ' { "features" : [ "v:a,b]" , "v:\\"[,]" ] ,\n "entities" : { "k" : [ "x,y" , "}]," , "\\\\" ] } } ';
    expect(await shape(body)).toEqual({ rows: 3, features: 2, partial: false });
  });

  it('counts empty lists as 0 and does not count values nested deeper or other fields', async () => {
    expect(await shape({ features: [], entities: { user_id: [] } })).toEqual({ rows: 0, features: 0, partial: false });
    expect(await shape({ features: [{ a: 1, b: 2 }], entities: { user_id: [[1, 2, 3]] }, other: { x: [1, 2, 3, 4, 5] } })).toEqual({ rows: 1, features: 1, partial: false });
  });

  it('counts 200k entities of a body over several slices', async () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => i);
    expect(await shape({ features: ['v:a'], entities: { user_id: ids } })).toEqual({ rows: 200_000, features: 1, partial: false });
  });

  it('stops early, with counts already over the limit, once the limit is passed', async () => {
    const body = Buffer.from(JSON.stringify({ features: ['v:a', 'v:b'], entities: { user_id: Array.from({ length: 200_000 }, (_, i) => i) } }));
    const partial = await scanRequestShape(body, 50_000);
    expect(partial.features).toBe(2);
    expect(partial.rows * partial.features).toBeGreaterThan(50_000);
    expect(partial.rows).toBeLessThan(200_000);
    expect(partial.partial).toBe(true);
  });
});
