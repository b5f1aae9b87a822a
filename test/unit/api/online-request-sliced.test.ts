// Big /get-online-features requests are validated with their entity values checked by hand in slices: the same
// result and the same messages as the zod schema gives in one go.
import { describe, expect, it } from 'vitest';
import { parseOnlineFeaturesRequest, parseOnlineFeaturesRequestSliced } from '../../../src/api/online-request.js';

const big = (values: unknown[]): unknown => ({ features: ['user_stats:clicks'], entities: { user_id: values } });
const ids = (n: number): unknown[] => Array.from({ length: n }, (_, i) => i);
const message = async (body: unknown): Promise<string> => {
  try {
    await parseOnlineFeaturesRequestSliced(body);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('parseOnlineFeaturesRequestSliced', () => {
  it('accepts a big request exactly as the schema does', async () => {
    const body = big([...ids(12_000), 'a', true, 1.5, '12345678901234567890']);
    expect(await parseOnlineFeaturesRequestSliced(body)).toEqual(parseOnlineFeaturesRequest(body));
  });

  it('names bad values of a big request with the schema\'s messages, five at most then how many more', async () => {
    const values = ids(12_000);
    values[3] = null;
    values[7_000] = { a: 1 };
    values[11_000] = 2 ** 60;
    const body = big(values);
    const expected = (() => {
      try {
        parseOnlineFeaturesRequest(body);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(await message(body)).toBe(expected);
    expect(expected).toContain('entities.user_id[3]: must be a string, number or boolean, not null');
    expect(expected).toContain('entities.user_id[11000]: integers beyond 2^53 lose precision');
    const many = ids(12_000).map((v, i) => (i < 8 ? null : v));
    expect(await message(big(many))).toMatch(/; and 3 more$/);
  });

  it('reports the shape of a big request (ragged columns) as the schema does', async () => {
    const body = { features: ['user_stats:clicks'], entities: { user_id: ids(6000), merchant_id: ids(5999) } };
    expect(await message(body)).toContain('entities.merchant_id: has 5999 values but entities.user_id has 6000');
  });
});
