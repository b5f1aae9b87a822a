import { describe, expect, it } from 'vitest';
import { OnlinePlanner } from '../../../src/api/online-plan.js';
import { parseOnlineFeaturesRequest } from '../../../src/api/online-request.js';
import { buildOnlineResponse, emptyCounts, formatEventTime, OnlineResponseBuilder } from '../../../src/api/online-response.js';
import type { FeatureColumn } from '../../../src/online/types.js';
import { apiRepo } from '../../helpers/api-repo.js';
import { viewLayout } from '../../../src/online/layout.js';

describe('online features response', () => {
  it('is the SPEC section 4 example byte for byte', () => {
    const request = parseOnlineFeaturesRequest({ features: ['user_stats:clicks'], entities: { user_id: [1, 2] } });
    const plan = new OnlinePlanner(apiRepo(), viewLayout).plan(request);
    const counts = emptyCounts();
    const json = buildOnlineResponse(
      plan,
      request.entities,
      [{ values: [12, null], statuses: ['PRESENT', 'NOT_FOUND'], eventMicros: [Date.parse('2024-05-01T10:00:00Z') * 1000, 0] }],
      counts,
    );
    expect(JSON.parse(json)).toEqual({
      metadata: { feature_names: ['user_id', 'clicks'] },
      results: [
        { values: [1, 2], statuses: ['PRESENT', 'PRESENT'], event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
        { values: [12, null], statuses: ['PRESENT', 'NOT_FOUND'], event_timestamps: ['2024-05-01T10:00:00Z', '1970-01-01T00:00:00Z'] },
      ],
    });
    expect(counts).toEqual({ PRESENT: 1, NOT_FOUND: 1, NULL_VALUE: 0, OUTSIDE_MAX_AGE: 0 });
  });

  it('writes whole numbers of float columns as 3.0 (Python reads 3 as an int), and leaves int columns alone', () => {
    const request = parseOnlineFeaturesRequest({ features: ['user_stats:clicks', 'user_stats:avg_amount'], entities: { user_id: [1] } });
    const plan = new OnlinePlanner(apiRepo(), viewLayout).plan(request);
    const column = (value: number) => ({ values: [value], statuses: ['PRESENT' as const], eventMicros: [1] });
    const json = buildOnlineResponse(plan, request.entities, [column(12), column(3)], emptyCounts());
    expect(json).toContain('{"values":[12],');
    expect(json).toContain('{"values":[3.0],');
  });

  it('echoes entity values exactly as given, strings and numbers alike', () => {
    const request = parseOnlineFeaturesRequest({
      features: ['merchant_stats:rating'],
      entities: { merchant_id: ['m"1', 'é'] },
    });
    const plan = new OnlinePlanner(apiRepo(), viewLayout).plan(request);
    const column = { values: ['9007199254740993', [1, 'x']], statuses: ['PRESENT', 'PRESENT'] as const, eventMicros: [1, 1] };
    const parsed = JSON.parse(buildOnlineResponse(plan, request.entities, [{ ...column, statuses: [...column.statuses] }], emptyCounts()));
    expect(parsed.results[0].values).toEqual(['m"1', 'é']);
    expect(parsed.results[1].values).toEqual(['9007199254740993', [1, 'x']]);
  });

  it('writes in one go the same JSON and counts as the sliced builder gives for one slice', () => {
    const request = parseOnlineFeaturesRequest({
      features: ['user_stats:clicks', 'user_stats:avg_amount', 'user_stats:tags', 'merchant_stats:rating', 'pair_stats:pair_count'],
      entities: { user_id: [1, 2, 3], merchant_id: ['m"1', 'é', 'x'] },
    });
    const plan = new OnlinePlanner(apiRepo(), viewLayout).plan(request);
    const t1 = Date.parse('2024-05-01T10:00:00Z') * 1000;
    const t2 = Date.parse('2024-05-02T11:30:00Z') * 1000;
    const cases: FeatureColumn[][] = [
      // Every value present with one event time, then mixed statuses, times and whole floats.
      Array.from({ length: 5 }, (_, c) => ({ values: [c, c + 0.5, 2], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], eventMicros: [t1, t1, t1] })),
      [
        { values: [12, null, 7], statuses: ['PRESENT', 'NOT_FOUND', 'OUTSIDE_MAX_AGE'], eventMicros: [t1, 0, t2] },
        { values: [3, -0, null], statuses: ['PRESENT', 'PRESENT', 'NULL_VALUE'], eventMicros: [t1, 0, t2] },
        { values: [['a', 'b'], null, []], statuses: ['PRESENT', 'NOT_FOUND', 'PRESENT'], eventMicros: [t2, 0, t2] },
        { values: [4, 'NaN', 1e21], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], eventMicros: [t2, t2, t2] },
        { values: ['9007199254740993', 1, 2], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], eventMicros: [t1, t1, t1] },
      ],
    ];
    for (const columns of cases) {
      const sliced = emptyCounts();
      const builder = new OnlineResponseBuilder(plan);
      builder.add(request.entities, columns, sliced);
      const once = emptyCounts();
      expect(buildOnlineResponse(plan, request.entities, columns, once)).toBe(builder.finish());
      expect(once).toEqual(sliced);
    }
  });

  it('formats event times in UTC to the second, dropping sub-second digits', () => {
    expect(formatEventTime(Date.parse('2024-05-01T10:00:00.999Z') * 1000 + 999)).toBe('2024-05-01T10:00:00Z');
    expect(formatEventTime(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatEventTime(-1)).toBe('1969-12-31T23:59:59Z');
    expect(formatEventTime(Date.parse('+010000-01-01T00:00:00Z') * 1000)).toBe('+010000-01-01T00:00:00Z');
  });
});

describe('event time formatting', () => {
  it('agrees with Date#toISOString (to the second) across the four-digit years', () => {
    let state = 12345;
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const from = Date.parse('0000-01-01T00:00:00Z');
    const to = Date.parse('9999-12-31T23:59:59Z');
    const samples = [from, to, 0, -1000, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */];
    for (let i = 0; i < 5000; i++) samples.push(Math.floor(from + random() * (to - from)));
    for (const ms of samples) {
      const expected = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      expect(formatEventTime(ms * 1000 + 123)).toBe(expected);
    }
  });
});
