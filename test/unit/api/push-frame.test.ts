// Checking pushed frames against a view: every value against its dtype, problems naming column and row, Feast's
// transport forms (naive ISO event times, epoch-second timestamps, created null) and this API's own JSON forms.
import { describe, expect, it } from 'vitest';
import { frameOf, parseViewFrame } from '../../../src/api/push-frame.js';
import { parsePushRequest, parseWriteRequest } from '../../../src/api/push-request.js';
import { parseInstant, parseTypedValue } from '../../../src/api/push-values.js';
import { encodeOnline } from '../../../src/api/push-write.js';
import { findView } from '../../../src/registry/features.js';
import { RepoSchema } from '../../../src/registry/schema.js';

const repo = RepoSchema.parse({
  project: 'shop',
  entities: [
    { name: 'user', joinKeys: ['user_id'], valueType: 'int64' },
    { name: 'device', joinKeys: ['device'] },
  ],
  sources: [
    { name: 'events', type: 'file', path: 'events.parquet', timestampField: 'ts', createdTimestampField: 'created_ts' },
    { name: 'live', type: 'push', batchSource: 'events' },
  ],
  featureViews: [
    {
      name: 'user_stats', entities: ['user'], source: 'live', ttl: '1d',
      schema: [
        { name: 'amount', dtype: 'float64' }, { name: 'clicks', dtype: 'int64' }, { name: 'tags', dtype: 'string[]' },
        { name: 'seen_at', dtype: 'timestamp' }, { name: 'blob', dtype: 'bytes' },
      ],
    },
    { name: 'raw_stats', entities: ['user'], source: 'events', schema: [{ name: 'score', dtype: 'float32' }] },
    { name: 'device_stats', entities: ['device'], source: 'live', schema: [{ name: 'hits', dtype: 'int32' }] },
  ],
});

const good = () => ({
  user_id: [1, '9007199254740993'],
  amount: [1.5, 'NaN'],
  clicks: [3, null],
  tags: [['a', null], []],
  seen_at: [1714557600, '2024-05-01T10:00:00.5Z'],
  blob: ['aGk=', null],
  event_timestamp: ['2024-05-01T10:00:00', '2024-05-01T12:00:00+02:00'],
  created: [null, '2024-05-01T10:00:01'],
  unrelated: ['ignored', { any: 'thing' }],
});

function parse(view: string, df: Record<string, unknown[]>) {
  return parseViewFrame(repo, findView(repo, view), frameOf(df));
}

function problem(view: string, df: Record<string, unknown[]>): string {
  try {
    parse(view, df);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the frame to be refused');
}

describe('pushed frames', () => {
  it('type every column of a good frame (int64 as numbers while safe, bigints beyond) and ignore columns no view needs', () => {
    const frame = parse('user_stats', good());
    expect(frame.keys).toEqual([{ name: 'user_id', dtype: 'int64', values: [1, 9007199254740993n] }]);
    expect(frame.eventMicros).toEqual([1714557600000000n, 1714557600000000n]);
    expect(frame.createdMicros).toEqual([null, 1714557601000000n]);
    const values = Object.fromEntries(frame.features.map((f) => [f.name, f.values]));
    expect(values.amount).toEqual([1.5, NaN]);
    expect(values.clicks).toEqual([3, null]);
    expect(values.tags).toEqual([['a', null], []]);
    expect(values.seen_at).toEqual([{ micros: 1714557600000000n }, { micros: 1714557600500000n }]);
    expect(values.blob).toEqual([new Uint8Array([104, 105]), null]);
  });

  it('refuse an event or created time more than a day ahead (epoch milliseconds sent as seconds), naming column and row', () => {
    const inMs = { ...good(), event_timestamp: [1714557600, 1714557600000] };
    expect(problem('user_stats', inMs)).toMatch(/df\.event_timestamp\[1\]: 1714557600000 is \+056302-.*more than a day after the server's clock/);
    const soon = new Date(Date.now() + 3600_000).toISOString();
    expect(() => parse('user_stats', { ...good(), event_timestamp: [soon, soon] })).not.toThrow();
  });

  it('read timestamps naive as UTC, with Z or an offset, or as epoch seconds to the microsecond', () => {
    expect(parseInstant('2024-05-01T10:00:00')).toBe(1714557600000000n);
    expect(parseInstant('2024-05-01T10:00:00Z')).toBe(1714557600000000n);
    expect(parseInstant('2024-05-01T11:00:00+01:00')).toBe(1714557600000000n);
    expect(parseInstant('2024-05-01T10:00:00.123456')).toBe(1714557600123456n);
    expect(parseInstant(1714557600)).toBe(1714557600000000n);
    expect(parseInstant(1714557600.25)).toBe(1714557600250000n);
    expect(parseInstant('yesterday')).toBeUndefined();
    expect(parseInstant(true)).toBeUndefined();
  });

  it('refuse epoch seconds too large to scale to microseconds (found by the body fuzzer: was a RangeError, a 500)', () => {
    // -1.797693134862316e302 * 1e6 is -Infinity, which BigInt() throws on.
    expect(parseInstant(-1.797693134862316e302)).toBeUndefined();
    expect(parseInstant(1e300)).toBeUndefined();
    expect(parseInstant(Number.MAX_VALUE)).toBeUndefined();
    expect(parseInstant(8.64e12)).toBe(8_640_000_000_000_000_000n);
    expect(parseInstant(8.64e12 + 1)).toBeUndefined();
    expect(problem('user_stats', { ...good(), event_timestamp: [1e300, 1e300] })).toMatch(/df\.event_timestamp\[0\]: expected a timestamp/);
  });

  it('name the column and the row of a value that does not fit its dtype', () => {
    const df = { ...good(), amount: [1.5, 'abc'] };
    expect(problem('user_stats', df)).toBe('invalid request: df.amount[1]: expected float64, got "abc"');
    const keys = { ...good(), user_id: [1, 2 ** 60] };
    expect(problem('user_stats', keys)).toBe(
      'invalid request: df.user_id[1]: expected int64, got 1152921504606847000 (send integers beyond 2^53 as strings)',
    );
    const lists = { ...good(), tags: [['a'], ['b', 7]] };
    expect(problem('user_stats', lists)).toBe('invalid request: df.tags[1]: expected string[], got ["b",7]');
  });

  it('list every bad column at once, the first bad row of each', () => {
    const df = { ...good(), clicks: [1.5, 'x'], event_timestamp: ['2024-05-01T10:00:00', null], user_id: [null, 1] };
    expect(problem('user_stats', df)).toBe(
      'invalid request: df.user_id[0]: expected int64, got null; ' +
        'df.event_timestamp[1]: expected a timestamp (ISO-8601, naive means UTC, or epoch seconds), got null; ' +
        'df.clicks[0]: expected int64, got 1.5',
    );
  });

  it('refuse a frame missing a feature, a key or the event time, and ragged columns', () => {
    const { tags: _tags, event_timestamp: _ts, ...rest } = good();
    expect(problem('user_stats', rest)).toBe(
      'invalid request: df.event_timestamp: missing; feature view "user_stats" needs it (the event time of each row); ' +
        'df.tags: missing; feature view "user_stats" needs it (a row replaces every feature of the view)',
    );
    expect(() => frameOf({ a: [1, 2], b: [1] })).toThrow('df.b: has 1 values but df.a has 2: every column needs one value per row');
  });

  it("accept the source's own timestamp column names", () => {
    const frame = parse('raw_stats', { user_id: [1], score: [0.1], ts: [1714557600], created_ts: ['2024-05-01T10:00:02Z'] });
    expect(frame.eventMicros).toEqual([1714557600000000n]);
    expect(frame.createdMicros).toEqual([1714557602000000n]);
    const online = encodeOnline(repo, frame);
    expect(online.rows[0]).toEqual({ key: 'i1', eventMicros: 1714557600000000, createdMicros: 1714557602000000, payload: '[0.1]' });
  });

  it('read a created time of "NaT" (a missing time in a pandas frame, as Feast\'s client sends it) as none, not an event time', () => {
    const frame = parse('raw_stats', { user_id: [1, 2], score: [0.1, 0.2], ts: [1714557600, 1714557600], created_ts: ['NaT', '2024-05-01T10:00:02'] });
    expect(frame.createdMicros).toEqual([null, 1714557602000000n]);
    expect(problem('raw_stats', { user_id: [1], score: [0.1], ts: ['NaT'] })).toContain('df.ts[0]: expected a timestamp');
  });

  it('keep an undeclared key column to the type of its first value', () => {
    const ok = parse('device_stats', { device: ['a1', 'b2'], hits: [1, 2], event_timestamp: [0, 1] });
    expect(ok.keys[0]).toEqual({ name: 'device', dtype: 'string', values: ['a1', 'b2'] });
    expect(problem('device_stats', { device: [1, '2'], hits: [1, 2], event_timestamp: [0, 1] })).toContain(
      'df.device[1]: expected int64, got "2" (the entity declares no valueType',
    );
  });

  it('encode rows the way materialization stores them', () => {
    const { rows } = encodeOnline(repo, parse('user_stats', good()));
    expect(rows[1]).toEqual({
      key: 'i9007199254740993',
      eventMicros: 1714557600000000,
      createdMicros: 1714557601000000,
      payload: '["NaN",null,[],"2024-05-01T10:00:00.500000Z",null]',
    });
  });
});

describe('push request bodies', () => {
  it('default to online, ignore unknown fields and accept the fields Feast sends', () => {
    const request = parsePushRequest({ push_source_name: 'live', df: { a: [1] }, allow_registry_cache: false, extra: 1 });
    expect(request).toEqual({ push_source_name: 'live', df: { a: [1] }, to: 'online', allow_registry_cache: false, transform_on_write: true });
    expect(parseWriteRequest({ feature_view_name: 'v', df: {}, transform_on_write: false })).toMatchObject({ feature_view_name: 'v' });
  });

  it('name the field that is wrong or misspelt', () => {
    expect(() => parsePushRequest({ push_source_name: 'live', df: { a: 1 } })).toThrow('df.a: must be a list of values, one per row');
    expect(() => parsePushRequest({ push_source_name: 'live', df: {}, to: 'both' })).toThrow('to: must be one of online, offline, online_and_offline');
    expect(() => parseWriteRequest({ feature_view_nme: 'v', df: {} })).toThrow('feature_view_nme: unknown field; did you mean "feature_view_name"?');
  });
});

describe('special float texts', () => {
  it('read only NaN and the infinities, never an object property name', () => {
    expect(parseTypedValue('NaN', 'float64')).toBeNaN();
    expect(parseTypedValue('-Infinity', 'float32')).toBe(-Infinity);
    expect(parseTypedValue('toString', 'float64')).toBeUndefined();
    expect(parseTypedValue('constructor', 'float64')).toBeUndefined();
  });
});

describe('pushed frames for features named like inherited object properties', () => {
  // Found while writing the body fuzzer (its repo has such features): `toString` and `constructor` are valid feature
  // names, and a frame without them found
  // the ones every object inherits; a push without `toString` was answered 200 and wrote `undefined` into the
  // stored payload, and every later read of the key failed with a 500.
  const odd = RepoSchema.parse({
    project: 'odd',
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [
      { name: 'events', type: 'file', path: 'events.parquet' },
      { name: 'live', type: 'push', batchSource: 'events' },
    ],
    featureViews: [
      { name: 'props', entities: ['user'], source: 'live', schema: [{ name: 'toString', dtype: 'int64' }, { name: 'constructor', dtype: 'string' }] },
    ],
  });
  const view = findView(odd, 'props');
  const oddProblem = (df: Record<string, unknown[]>): string => {
    try {
      parseViewFrame(odd, view, frameOf(df));
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the frame to be refused');
  };

  it('refuse a frame without them as missing', () => {
    expect(oddProblem({ user_id: [1], event_timestamp: ['2024-05-01T10:00:00'] })).toBe(
      'invalid request: df.toString: missing; feature view "props" needs it (a row replaces every feature of the view); ' +
        'df.constructor: missing; feature view "props" needs it (a row replaces every feature of the view)',
    );
  });

  it('read them from the frame when it has them', () => {
    const parsed = parseViewFrame(odd, view, frameOf({ user_id: [1], event_timestamp: ['2024-05-01T10:00:00'], toString: [7], constructor: ['x'] }));
    expect(parsed.features.map((f) => f.values)).toEqual([[7], ['x']]);
    expect(encodeOnline(odd, parsed).rows[0]?.payload).toBe('[7,"x"]');
  });
});
