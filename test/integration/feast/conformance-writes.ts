// The write half of the Feast conformance suite: Feast 0.67's SDK writing to featureflow serve
// (`store.write_to_online_store`, `store.push`), and raw `/push` and `/write-to-online-store` bodies built with
// Feast's own pydantic request models. Scenarios run in order in the one driver process, each write followed by a
// read through the same SDK; conformance.test.ts runs them and calls describeWrites.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeEngine, openEngine } from '../../../src/engine/context.js';
import { Database } from '../../../src/engine/database.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import type { Repo } from '../../../src/registry/schema.js';
import { LIVE_BATCH_FILE, LIVE_FEATURES } from './conformance-repo.js';

/** A driver result: a read (conformance.test.ts Outcome) or a write's own answer. */
export interface WriteOutcome {
  writes?: number;
  status?: number;
  bare_tokens?: boolean;
  sent?: string[];
  answer?: { offline?: { file: string }; views?: Record<string, unknown>; [key: string]: unknown };
  values?: Record<string, unknown[]>;
  statuses?: number[][];
  error?: { type: string; message: string };
}

export interface WriteChecks {
  ok: (name: string) => WriteOutcome;
  outcome: (name: string) => WriteOutcome;
  /** Our own API's values for features of the given entities (what Feast's client cannot read). */
  served: (features: string[], ids: number[]) => Promise<unknown[][]>;
  /** `historical` (the offline store, pushed files included) for user ids at instants. */
  historical: (features: string[], rows: Array<{ id: number; at: string }>) => Promise<unknown[][]>;
}

const T1 = '2024-05-01T10:00:00+00:00';
const T2 = '2024-05-01T11:00:00+00:00';
const C0 = '2024-05-01T10:00:00+00:00';
const C1 = '2024-05-01T10:00:01+00:00';
const C2 = '2024-05-01T10:00:02+00:00';

/** One value of every live_stats feature, as JSON: the driver types them as a user's pandas frame would. */
export const LIVE_VALUES: Record<string, unknown> = {
  w_int32: 7, w_int64: 2 ** 40, w_float32: 0.1, w_float64: 2.5, w_string: 'héllo, "wörld"', w_bool: true,
  w_timestamp: '2024-05-01T10:00:00Z',
  wl_int32: [1, -2], wl_int64: [2 ** 40, 3], wl_float32: [0.5, 0.1], wl_float64: [1.25, -3], wl_string: ['a', 'b c'],
  wl_bool: [true, false], wl_timestamp: ['2024-05-02T00:00:00Z'],
};

interface Row {
  id: number;
  event: string;
  created: string | null;
  values?: Record<string, unknown>;
}

/** Rows as a columnar frame: user_id, every live_stats feature, country, event_timestamp, created_timestamp. */
function frame(...rows: Row[]): Record<string, unknown[]> {
  const columns: Record<string, unknown[]> = { user_id: rows.map((r) => r.id) };
  for (const f of [...LIVE_FEATURES.map((l) => l.name), 'country']) {
    columns[f] = rows.map((r) => (r.values && f in r.values ? r.values[f] : (LIVE_VALUES[f] ?? 'DE')));
  }
  columns['event_timestamp'] = rows.map((r) => r.event);
  columns['created_timestamp'] = rows.map((r) => r.created);
  return columns;
}

const read = (name: string, features: string[], ids: number[]) => ({
  name, kind: 'get_online_features' as const, args: { features, entity_rows: ids.map((id) => ({ user_id: id })) },
});
const sdkWrite = (name: string, ...writes: Array<Record<string, unknown[]>>) => ({
  name, kind: 'write_to_online_store' as const, args: { view: 'live_stats', writes },
});
const rawPush = (name: string, to: string, df: Record<string, unknown[]>) => ({
  name, kind: 'raw_request' as const, args: { endpoint: 'push', body: { push_source_name: 'live', df, to } },
});
// Raw bodies carry naive ISO times, as Feast's client sends them.
const naive = (iso: string): string => iso.replace('+00:00', '');
const rawFrame = (id: number, values: Record<string, unknown>, event = naive(T1)): Record<string, unknown[]> => ({
  ...frame({ id, event, created: null, values: { w_timestamp: 1714557600, wl_timestamp: [1714608000], ...values } }),
});
const NAN = { float: 'nan' };

export const WRITE_SCENARIOS = [
  sdkWrite('sdk_write_every_dtype', frame({ id: 100, event: T1, created: C1 })),
  read('read_every_dtype', LIVE_FEATURES.map((f) => `live_stats:${f.name}`), [100]),
  sdkWrite(
    'sdk_write_newer_wins',
    frame({ id: 101, event: T2, created: C0, values: { w_int64: 2 } }),
    frame({ id: 101, event: T1, created: C2, values: { w_int64: 1 } }), // older event time: skipped
    frame({ id: 102, event: T1, created: C1, values: { w_int64: 5 } }),
    frame({ id: 102, event: T1, created: C2, values: { w_int64: 6 } }), // same event time, later created: replaces
    frame({ id: 102, event: T1, created: C0, values: { w_int64: 7 } }), // same event time, earlier created: skipped
  ),
  read('read_newer_wins', ['live_stats:w_int64'], [101, 102]),
  sdkWrite('sdk_write_null_created', frame({ id: 103, event: T1, created: null, values: { w_int64: 9 } })),
  read('read_null_created', ['live_stats:w_int64'], [103]),
  // pandas reads a NaN float as a missing value: Feast's client sends null for it, but not in a list.
  sdkWrite('sdk_write_nan', frame({ id: 104, event: T1, created: C1, values: { w_float64: 'NaN' } })),
  read('read_sdk_nan', ['live_stats:w_float64', 'live_stats:w_float32'], [104]),
  sdkWrite('sdk_write_infinity', frame({ id: 105, event: T1, created: C1, values: { w_float32: 'Infinity' } })),
  sdkWrite('sdk_write_nan_list', frame({ id: 106, event: T1, created: C1, values: { wl_float64: [1, 'NaN'] } })),
  {
    name: 'sdk_push', kind: 'push' as const,
    args: { push_source: 'live', to: 'online', writes: [frame({ id: 200, event: T1, created: C1, values: { country: 'SE', w_int64: 20 } })] },
  },
  read('read_push', ['live_stats:w_int64', 'live_stats:w_string', 'live_profile:country'], [200]),
  rawPush('raw_push_online', 'online', rawFrame(300, { w_int64: 30, country: 'NO' })),
  rawPush('raw_push_both', 'online_and_offline', rawFrame(301, { w_int64: 31, country: 'DK' })),
  rawPush('raw_push_offline', 'offline', rawFrame(302, { w_int64: 32, country: 'PL' }, '2024-01-05T00:00:00')),
  {
    name: 'raw_write', kind: 'raw_request' as const,
    args: { endpoint: 'write-to-online-store', body: { feature_view_name: 'live_stats', df: rawFrame(303, { w_int64: 33 }) } },
  },
  rawPush('raw_push_nan', 'online', rawFrame(304, { w_float64: NAN, w_float32: { float: 'inf' }, wl_float64: [1, { float: '-inf' }] })),
  read('read_raw', ['live_stats:w_int64', 'live_profile:country'], [300, 301, 302, 303]),
  read('read_raw_nan', ['live_stats:w_float32', 'live_stats:w_float64'], [304]),
];

/** The push source's batch file: one row of user 500 on 2024-01-01, for `historical` beside pushed files. */
export async function writeLiveBatchFile(dir: string): Promise<void> {
  await mkdir(path.join(dir, path.dirname(LIVE_BATCH_FILE)), { recursive: true });
  const db = await Database.open({ threads: 1 });
  try {
    await db.withConnection((c) =>
      c.run(`COPY (SELECT 500::BIGINT AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS event_timestamp,
                TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_timestamp, 5::BIGINT AS w_int64, 'FI' AS country)
             TO '${path.join(dir, LIVE_BATCH_FILE)}' (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }
}

/** `historical` for users at instants: one list of the features' values per row. */
export async function historicalValues(repo: Repo, dir: string, features: string[], at: Array<{ id: number; at: string }>): Promise<unknown[][]> {
  const engine = await openEngine(repo, dir, { threads: 1 });
  try {
    const entities = at.map((r) => ({ user_id: r.id, event_timestamp: new Date(r.at) }));
    const set = await getHistoricalFeatures(engine, { rows: entities }, features, { fullFeatureNames: true });
    try {
      const names = features.map((f) => f.replace(':', '__'));
      return (await set.toRows()).map((row) => names.map((n) => row[n]));
    } finally {
      set.close();
    }
  } finally {
    closeEngine(engine);
  }
}

const PRESENT = 1;
const NULL_VALUE = 2;
const NOT_FOUND = 3;

export function describeWrites(checks: WriteChecks): void {
  const { ok, outcome } = checks;
  describe("Feast 0.67's Python SDK writing to featureflow serve", () => {
    it('write_to_online_store: every dtype the client can send reads back equal through the same SDK', () => {
      expect(ok('sdk_write_every_dtype').writes).toBe(1);
      const r = ok('read_every_dtype');
      expect(r.values).toEqual({
        user_id: [100],
        ...Object.fromEntries(Object.entries(LIVE_VALUES).map(([k, v]) => [k, [v]])),
        // Timestamps: the client sends whole epoch seconds; we answer ISO text (see the read differences).
        w_timestamp: ['2024-05-01T10:00:00.000000Z'],
        wl_timestamp: [['2024-05-02T00:00:00.000000Z']],
      });
      expect(r.statuses?.slice(1).every((s) => s[0] === PRESENT)).toBe(true);
    });

    it('write_to_online_store is newer-wins: an older write leaves the newer value; a later created time replaces', () => {
      expect(ok('sdk_write_newer_wins').writes).toBe(5);
      expect(ok('read_newer_wins').values).toEqual({ user_id: [101, 102], w_int64: [2, 6] });
    });

    it('write_to_online_store takes a frame whose created timestamp is null', () => {
      expect(ok('sdk_write_null_created').writes).toBe(1);
      expect(ok('read_null_created').values).toEqual({ user_id: [103], w_int64: [9] });
    });

    it('push(to=ONLINE) writes every view the push source feeds, through /write-to-online-store', () => {
      expect(ok('sdk_push').writes).toBe(1);
      expect(ok('read_push').values).toEqual({ user_id: [200], w_int64: [20], w_string: [LIVE_VALUES['w_string']], country: ['SE'] });
    });

    it('write_to_online_store writes a NaN float as a null, as pandas reads NaN as a missing value', () => {
      expect(ok('sdk_write_nan').writes).toBe(1);
      const r = ok('read_sdk_nan');
      expect(r.values).toEqual({ user_id: [104], w_float64: [null], w_float32: [0.1] });
      expect(r.statuses).toEqual([[PRESENT], [NULL_VALUE], [PRESENT]]);
    });

    // requests posts `json=` with allow_nan=False: these never reach a server, Feast's own or ours.
    it.each(['sdk_write_infinity', 'sdk_write_nan_list'])("documents that Feast's client cannot send %s", (name) => {
      expect(outcome(name).error).toEqual({ type: 'InvalidJSONError', message: 'Out of range float values are not JSON compliant' });
    });
  });

  describe("raw /push and /write-to-online-store bodies from Feast's own request models", () => {
    it.each([
      ['raw_push_online', 'online', false],
      ['raw_push_both', 'online_and_offline', true],
      ['raw_push_offline', 'offline', true],
    ])('%s: PushFeaturesRequest(to=%s).model_dump() is answered 200', (name, to, offline) => {
      const r = ok(name);
      expect(r.sent).toEqual(['allow_registry_cache', 'df', 'push_source_name', 'to', 'transform_on_write']);
      expect([r.status, r.answer?.['to'], r.answer?.['rows']]).toEqual([200, to, 1]);
      expect(Object.keys(r.answer?.views ?? {}).sort()).toEqual(to === 'offline' ? [] : ['live_profile', 'live_stats']);
      expect(r.answer?.offline?.file).toEqual(offline ? expect.stringMatching(/^pushed\/live\/.+\.parquet$/) : undefined);
    });

    it('WriteToFeatureStoreRequest.model_dump() is answered 200', () => {
      const r = ok('raw_write');
      expect(r.sent).toEqual(['allow_registry_cache', 'df', 'feature_view_name', 'transform_on_write']);
      expect([r.status, r.answer?.['written']]).toEqual([200, 1]);
    });

    it('serves what was pushed online, and nothing online of an offline push', () => {
      const r = ok('read_raw');
      expect(r.values).toEqual({ user_id: [300, 301, 302, 303], w_int64: [30, 31, null, 33], country: ['NO', 'DK', null, null] });
      expect(r.statuses?.[1]?.[2]).toBe(NOT_FOUND);
    });

    it('historical sees the offline push beside the batch file', async () => {
      const features = ['live_stats:w_int64', 'live_profile:country'];
      expect(await checks.historical(features, [{ id: 500, at: '2024-01-02T00:00:00Z' }, { id: 302, at: '2024-01-04T00:00:00Z' }, { id: 302, at: '2024-01-06T00:00:00Z' }]))
        .toEqual([[5n, 'FI'], [null, null], [32n, 'PL']]);
    });

    it("takes Python json.dumps' bare NaN and Infinity tokens and stores the floats", async () => {
      const r = ok('raw_push_nan');
      expect([r.bare_tokens, r.status]).toEqual([true, 200]);
      expect(ok('read_raw_nan').values).toEqual({ user_id: [304], w_float32: ['Infinity'], w_float64: ['NaN'] });
      // Feast's client cannot read NaN inside a float list (see the read suite), so that one is read here.
      expect(await checks.served(['live_stats:wl_float64'], [304])).toEqual([[[1, '-Infinity']]]);
    });
  });
}
