// Feast's own Python SDK (feast==0.67.0, `online_store: {type: remote}`) reading from and writing to our server:
// every read goes through FeatureStore.get_online_features and OnlineResponse.to_dict()/to_df(), every write
// through write_to_online_store / push (conformance-writes.ts), exactly as a Feast user calls them. The driver runs
// every scenario in one Python process (importing Feast alone takes seconds).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer, type ApiServer } from '../../../src/api/server.js';
import { viewLayout } from '../../../src/online/layout.js';
import { connectOnlineStore, type RedisOnlineStore } from '../../../src/online/redis-store.js';
import { encodeRow } from '../../../src/online/stored-value.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';
import { cleanupSharedPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { request } from '../../unit/api/http-client.js';
import { ALL_TYPES_FEATURES, conformanceRepo } from './conformance-repo.js';
import { describeWrites, historicalValues, WRITE_SCENARIOS, writeLiveBatchFile, type WriteOutcome } from './conformance-writes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = path.join(ROOT, '.tools', 'venv', 'bin', 'python');
const DRIVER = path.join(ROOT, 'test', 'conformance', 'feast_driver.py');
// Feast's FieldStatus enum values.
const PRESENT = 1;
const NULL_VALUE = 2;
const NOT_FOUND = 3;
const BIG_ID = 1152921504606846977n; // 2^60 + 1: a snowflake-sized id JSON numbers cannot carry
const BIG_VALUE = 2n ** 60n;

interface Scenario {
  name: string;
  kind: 'get_online_features' | 'write_to_online_store' | 'push' | 'raw_request';
  args: Record<string, unknown>;
}
interface Outcome {
  columns: string[];
  values: Record<string, unknown[]>;
  types: Record<string, string[]>;
  statuses: number[][];
  feature_view_metadata: Array<{ name: string; version: number }>;
  df_columns: string[];
  df_rows: number;
  error?: { type: string; message: string };
}

const rows = (...ids: Array<number | bigint>): Array<Record<string, unknown>> => ids.map((id) => ({ user_id: id }));
const allTypes = (names: readonly string[]): string[] => names.map((n) => `all_types:${n}`);

const SCENARIOS: Scenario[] = [
  { name: 'single', kind: 'get_online_features', args: { features: ['user_stats:clicks', 'user_stats:avg_amount'], entity_rows: rows(1) } },
  { name: 'batch', kind: 'get_online_features', args: { features: ['user_stats:clicks', 'user_stats:avg_amount'], entity_rows: rows(1, 4, 2) } },
  { name: 'feature_list', kind: 'get_online_features', args: { features: ['user_profile:country', 'user_stats:avg_amount'], entity_rows: rows(1, 2) } },
  { name: 'feature_service', kind: 'get_online_features', args: { feature_service: 'fraud_v1', entity_rows: rows(1, 2) } },
  {
    name: 'full_feature_names',
    kind: 'get_online_features',
    args: { features: ['user_stats:clicks', 'user_profile:clicks'], entity_rows: rows(1), full_feature_names: true },
  },
  { name: 'service_full_names', kind: 'get_online_features', args: { feature_service: 'fraud_v1', entity_rows: rows(1), full_feature_names: true } },
  { name: 'absent', kind: 'get_online_features', args: { features: ['user_stats:clicks', 'user_profile:country'], entity_rows: rows(4) } },
  { name: 'every_dtype', kind: 'get_online_features', args: { features: allTypes(ALL_TYPES_FEATURES.map((f) => f.name)), entity_rows: rows(1) } },
  { name: 'nulls', kind: 'get_online_features', args: { features: allTypes(ALL_TYPES_FEATURES.map((f) => f.name)), entity_rows: rows(5) } },
  { name: 'non_finite', kind: 'get_online_features', args: { features: allTypes(['v_float32', 'v_float64']), entity_rows: rows(2) } },
  { name: 'nan_in_list', kind: 'get_online_features', args: { features: allTypes(['l_float64']), entity_rows: rows(2) } },
  { name: 'empty_list', kind: 'get_online_features', args: { features: allTypes(['l_string']), entity_rows: rows(3) } },
  { name: 'list_with_null', kind: 'get_online_features', args: { features: allTypes(['l_int64']), entity_rows: rows(6) } },
  { name: 'big_int_list', kind: 'get_online_features', args: { features: allTypes(['l_int64']), entity_rows: rows(7) } },
  {
    name: 'view_metadata',
    kind: 'get_online_features',
    args: { features: ['user_stats:clicks', 'user_profile:country', 'user_stats:avg_amount'], entity_rows: rows(1), include_feature_view_version_metadata: true },
  },
  { name: 'big_key', kind: 'get_online_features', args: { features: ['user_stats:clicks', 'user_stats:avg_amount'], entity_rows: rows(BIG_ID, 1) } },
  ...WRITE_SCENARIOS,
];

const HOUR_AGO = new Date(Date.now() - 3_600_000);
const EVERY_DTYPE_ROW = [
  7, 2 ** 40, 0.1, 2.5, 'héllo, "wörld"', true, new Uint8Array([0, 1, 255]), new Date('2024-05-01T10:00:00.123Z'),
  [1, -2], [2 ** 40, 3], [0.5, 0.1], [1.25, -3], ['a', 'b c'], [true, false], [new Uint8Array([104, 105])], [new Date('2024-05-02T00:00:00Z')],
];

let dir: string;
let repo: Repo;
let keyPrefix: string;
let store: RedisOnlineStore;
let api: ApiServer;
let results: Record<string, Outcome>;
let base: string;

async function put(view: string, id: number | bigint, values: unknown[]): Promise<void> {
  const layout = viewLayout(repo, view);
  const schemaId = await store.registerLayout(layout);
  await store.writeRows(layout, schemaId, [encodeRow(layout, [id], HOUR_AGO, null, values)]);
}

function outcome(name: string): Outcome {
  const result = results[name];
  if (!result) throw new Error(`the driver returned no result for ${name}`);
  return result;
}

function ok(name: string): Outcome {
  const result = outcome(name);
  expect(result.error, `${name}: ${JSON.stringify(result.error)}`).toBeUndefined();
  return result;
}

async function served(features: string[], ids: number[]): Promise<unknown[][]> {
  const res = await request(base, 'POST', '/get-online-features', { features, entities: { user_id: ids } });
  expect(res.status).toBe(200);
  return (res.json.results.slice(1) as Array<{ values: unknown[] }>).map((c) => c.values);
}

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run node scripts/setup.mjs (it installs feast==0.67.0)`);
  dir = await mkdtemp(path.join(tmpdir(), 'ff-feast-conformance-'));
  await writeLiveBatchFile(dir);
  keyPrefix = freshPrefix().replace(/:$/, '');
  const input = conformanceRepo({ url: redisUrl(), keyPrefix });
  repo = RepoSchema.parse(input);
  store = await connectOnlineStore({ url: redisUrl(), keyPrefix, lazy: false });
  await put('user_stats', 1, [12, 2.5]);
  await put('user_stats', 2, [null, 0.5]);
  await put('user_stats', BIG_ID, [BIG_VALUE, 1.5]);
  await put('user_profile', 1, [99, 'DE']);
  await put('user_profile', 2, [3, 'FR']);
  await put('all_types', 1, EVERY_DTYPE_ROW);
  const nothing = ALL_TYPES_FEATURES.map(() => null);
  await put('all_types', 2, Object.assign([...nothing], { 2: Number.POSITIVE_INFINITY, 3: Number.NaN, 11: [1, Number.NaN] }));
  await put('all_types', 3, Object.assign([...nothing], { 12: [] }));
  await put('all_types', 5, nothing);
  await put('all_types', 6, Object.assign([...nothing], { 9: [1n, null] }));
  await put('all_types', 7, Object.assign([...nothing], { 9: [BIG_VALUE, 3n] }));
  api = createServer({ repo, store, repoDir: dir, logger: silentLogger });
  const { url } = await api.listen(0);
  base = url;

  await writeFile(path.join(dir, 'featureflow.json'), JSON.stringify(input));
  // Python's json reads integer literals exactly, so BIG_ID reaches Feast as a Python int, as a user's would.
  await writeFile(path.join(dir, 'scenarios.json'), JSON.stringify(SCENARIOS, (_, v: unknown) => (typeof v === 'bigint' ? `@big:${v}` : v)).replace(/"@big:(-?\d+)"/g, '$1'));
  const { stdout } = await run(
    PYTHON,
    [DRIVER, '--repo', path.join(dir, 'featureflow.json'), '--server', url, '--scenarios', path.join(dir, 'scenarios.json')],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024, timeout: 280_000, env: { ...process.env, FEAST_USAGE: 'False' } },
  );
  results = JSON.parse(stdout) as Record<string, Outcome>;
}, 300_000);

afterAll(async () => {
  await api?.close();
  await store?.close();
  if (keyPrefix) {
    await cleanupSharedPrefix(`${keyPrefix}:`);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Feast 0.67's Python SDK against featureflow serve", () => {
  it('reads one entity: entity key column first, then the features, all PRESENT', () => {
    const r = ok('single');
    expect(r.columns).toEqual(['user_id', 'clicks', 'avg_amount']);
    expect(r.values).toEqual({ user_id: [1], clicks: [12], avg_amount: [2.5] });
    expect(r.types).toEqual({ user_id: ['int'], clicks: ['int'], avg_amount: ['float'] });
    expect(r.statuses).toEqual([[PRESENT], [PRESENT], [PRESENT]]);
    expect(r.df_columns).toEqual(r.columns);
    expect(r.df_rows).toBe(1);
  });

  it('reads a batch in request order, with NOT_FOUND and NULL_VALUE as None', () => {
    const r = ok('batch');
    expect(r.values).toEqual({ user_id: [1, 4, 2], clicks: [12, null, null], avg_amount: [2.5, null, 0.5] });
    expect(r.statuses).toEqual([
      [PRESENT, PRESENT, PRESENT],
      [PRESENT, NOT_FOUND, NULL_VALUE],
      [PRESENT, NOT_FOUND, PRESENT],
    ]);
    expect(r.df_rows).toBe(3);
  });

  it('keeps the requested feature order across views (Feast groups by view; ours is request order)', () => {
    const r = ok('feature_list');
    expect(r.columns).toEqual(['user_id', 'country', 'avg_amount']);
    expect(r.values).toEqual({ user_id: [1, 2], country: ['DE', 'FR'], avg_amount: [2.5, 0.5] });
  });

  it('serves a FeatureService object passed to get_online_features, in the service order', () => {
    const r = ok('feature_service');
    expect(r.columns).toEqual(['user_id', 'avg_amount', 'clicks', 'country']);
    expect(r.values).toEqual({ user_id: [1, 2], avg_amount: [2.5, 0.5], clicks: [12, null], country: ['DE', 'FR'] });
    expect(r.df_columns).toEqual(r.columns);
  });

  it('names columns view__feature with full_feature_names, for features and services', () => {
    expect(ok('full_feature_names').values).toEqual({ user_id: [1], user_stats__clicks: [12], user_profile__clicks: [99] });
    expect(ok('service_full_names').columns).toEqual(['user_id', 'user_stats__avg_amount', 'user_stats__clicks', 'user_profile__country']);
  });

  it('gives None with NOT_FOUND for an entity that has no row', () => {
    const r = ok('absent');
    expect(r.values).toEqual({ user_id: [4], clicks: [null], country: [null] });
    expect(r.statuses).toEqual([[PRESENT], [NOT_FOUND], [NOT_FOUND]]);
  });

  it('returns every dtype and a list of each as the Python types Feast infers from JSON', () => {
    const r = ok('every_dtype');
    expect(r.columns).toEqual(['user_id', ...ALL_TYPES_FEATURES.map((f) => f.name)]);
    expect(r.values).toEqual({
      user_id: [1],
      v_int32: [7],
      v_int64: [2 ** 40],
      v_float32: [0.1],
      v_float64: [2.5],
      v_string: ['héllo, "wörld"'],
      v_bool: [true],
      v_bytes: ['AAH/'], // base64, as Feast's own server sends bytes
      v_timestamp: ['2024-05-01T10:00:00.123000Z'], // our ISO text; Feast's server sends epoch seconds
      l_int32: [[1, -2]],
      l_int64: [[2 ** 40, 3]],
      l_float32: [[0.5, 0.1]],
      l_float64: [[1.25, -3]],
      l_string: [['a', 'b c']],
      l_bool: [[true, false]],
      l_bytes: [['aGk=']],
      l_timestamp: [['2024-05-02T00:00:00.000000Z']],
    });
    expect(r.types).toMatchObject({
      v_int32: ['int'], v_int64: ['int'], v_float32: ['float'], v_float64: ['float'], v_string: ['str'], v_bool: ['bool'],
      v_bytes: ['str'], v_timestamp: ['str'], l_int32: ['list[int]'], l_int64: ['list[int]'], l_float32: ['list[float]'],
      // -3.0 stays a float: whole numbers of float columns are written 3.0, not 3.
      l_float64: ['list[float]'], l_string: ['list[str]'], l_bool: ['list[bool]'], l_bytes: ['list[str]'], l_timestamp: ['list[str]'],
    });
    expect(r.statuses.every((s) => s[0] === PRESENT)).toBe(true);
    expect(r.df_columns).toEqual(r.columns);
  });

  it('gives None with NULL_VALUE for stored nulls of every dtype', () => {
    const r = ok('nulls');
    for (const f of ALL_TYPES_FEATURES) expect(r.values[f.name], f.name).toEqual([null]);
    expect(r.statuses.slice(1).every((s) => s[0] === NULL_VALUE)).toBe(true);
  });

  it('returns NaN and Infinity as the strings Feast\'s own server sends', () => {
    expect(ok('non_finite').values).toEqual({ user_id: [2], v_float32: ['Infinity'], v_float64: ['NaN'] });
  });

  it('answers feature_view_metadata, one entry per view in order of first use, version 0', () => {
    const r = ok('view_metadata');
    expect(r.feature_view_metadata).toEqual([
      { name: 'user_stats', version: 0 },
      { name: 'user_profile', version: 0 },
    ]);
    expect(r.columns).toEqual(['user_id', 'clicks', 'country', 'avg_amount']);
  });

  it('reads an int64 key beyond 2^53 sent as a JSON number; the key and int64 value come back as decimal strings', () => {
    const r = ok('big_key');
    expect(r.values).toEqual({ user_id: [String(BIG_ID), 1], clicks: [String(BIG_VALUE), 12], avg_amount: [1.5, 2.5] });
    expect(r.statuses).toEqual([[PRESENT, PRESENT], [PRESENT, PRESENT], [PRESENT, PRESENT]]);
  });

  // What Feast's client cannot read. An empty list and NaN in a float list fail the same way against Feast's own
  // server, which sends [] and "NaN" too. Null list elements (Feast's lists cannot hold them) and int64 lists with
  // elements beyond 2^53 (decimal strings here, by our JSON rule) fail only here. docs/feast-compatibility.md.
  it.each([
    ['empty_list', 'TypeError', "Couldn't infer value type from empty value"],
    ['nan_in_list', 'ValueError', 'List value type for field  is inconsistent'],
    ['list_with_null', 'ValueError', 'Value with native type nonetype cannot be converted'],
    ['big_int_list', 'ValueError', 'List value type for field  is inconsistent'],
  ])('documents that Feast\'s client fails on %s', (name, type, message) => {
    expect(outcome(name).error?.type).toBe(type);
    expect(outcome(name).error?.message).toContain(message);
  });
});

describeWrites({
  ok: (name) => ok(name) as WriteOutcome,
  outcome: (name) => outcome(name) as WriteOutcome,
  served,
  historical: (features, at) => historicalValues(repo, dir, features, at),
});
