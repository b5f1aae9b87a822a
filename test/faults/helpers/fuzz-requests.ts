/**
 * Request generators per endpoint for the body fuzzer. Each mixes three kinds of input: (a) arbitrary JSON and
 * values, (b) requests shaped like Feast's with fields mutated (wrong types, edge numbers, NaN tokens, deep
 * nesting, long and odd strings, duplicate keys, empty lists, nulls), mostly valid so they get past the first
 * check and into the deeper ones, and (c) raw bytes and truncated or corrupted JSON. Names come from the fuzz repo,
 * and entity keys from a small set, so fuzzed pushes land on keys fuzzed reads then find.
 */
import fc from 'fast-check';
import { FEATURE_SERVICES, JOIN_KEYS, LIVE_FEATURES, PUSH_SOURCE, REQUEST_FIELDS, VIEWS } from './fuzz-repo.js';
import { junk, junkSmall, mostly, mutateText, Obj, objectOf, optional, rarely, Raw, toText, unstructured, type J } from './fuzz-json.js';

export interface FuzzRequest {
  method: string;
  /** Path and query string. */
  target: string;
  body?: Buffer;
  contentType?: string;
}

const HOUR_MS = 3_600_000;
/** Fixed at load, so a seed gives the same bodies for the whole run (and for a shrinking rerun). */
const NOW_MS = Date.now();
const VIEW_NAMES = Object.keys(VIEWS);

const isoAgo = (hours: number, style: number): string => {
  const iso = new Date(NOW_MS - hours * HOUR_MS).toISOString();
  return style === 0 ? iso : style === 1 ? iso.replace('Z', '') : style === 2 ? iso.replace('Z', '+02:00') : iso.slice(0, 10);
};

/** A valid instant: recent (within the views' TTL, so rows are written), in the forms clients send. */
const recentInstant: fc.Arbitrary<J> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })).map(([h, s]) => isoAgo(h, s)),
  fc.integer({ min: 0, max: 40 }).map((h) => Math.floor((NOW_MS - h * HOUR_MS) / 1000)),
  fc.double({ min: 0, max: NOW_MS / 1000, noNaN: true }),
);

/** Values at or past the edges of each dtype (and of other types), for the mutated cells. */
const EDGES: Readonly<Record<string, readonly J[]>> = {
  int32: [2 ** 31, -(2 ** 31) - 1, '7', 1.5, -0, 2 ** 53],
  int64: [new Raw('9223372036854775808'), '9223372036854775808', new Raw('-9223372036854775809'), 2 ** 60, 1.5, '12a', '', '-0', new Raw('1e3')],
  float32: ['NaN', 'Infinity', '-Infinity', 3.5e38, new Raw('1e400'), '1.5', Number.NaN, Number.POSITIVE_INFINITY, new Raw('4.9e-324')],
  float64: ['NaN', 'Infinity', '-Infinity', new Raw('1e400'), '1.5', Number.NaN, Number.NEGATIVE_INFINITY, 'nan'],
  string: [1, true, '\u0000', '\ud800', 'x'.repeat(5000)],
  bool: [0, 1, 'true', 'false'],
  timestamp: ['NaT', null, NOW_MS, NOW_MS * 1000, -1, 0, 8.64e12, 8.64e12 + 1, 8.64e15, 1e300, -1.797693134862316e302, '2099-01-01T00:00:00', '1677-09-21T00:12:43.145224192', '2024-02-30T00:00:00', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '2024-01-01T00:00:00+99:00'],
  bytes: ['not base64!', 'AAA', '', 'AA==AA==', '\u00ff'],
};

/** Valid values of one dtype, from its whole range. */
function validValue(dtype: string): fc.Arbitrary<J> {
  if (dtype.endsWith('[]')) {
    return fc.array(fc.oneof({ weight: 6, arbitrary: validValue(dtype.slice(0, -2)) }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 6 });
  }
  switch (dtype) {
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'int64':
      return fc.oneof(
        fc.integer(),
        fc.maxSafeInteger(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => new Raw(b.toString())),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => b.toString()),
      );
    case 'float32':
      return fc.float();
    case 'float64':
      return fc.oneof(fc.double(), fc.constantFrom<J>('NaN', 'Infinity', '-Infinity'));
    case 'string':
      return fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
    case 'bool':
      return fc.boolean();
    case 'timestamp':
      return recentInstant;
    case 'bytes':
      return fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));
    default:
      return junkSmall;
  }
}

/** A value of one dtype: valid, or (when not `clean`) sometimes at an edge or of another type. */
function dtypeValue(dtype: string, clean: boolean): fc.Arbitrary<J> {
  if (clean) return validValue(dtype);
  const edges = EDGES[dtype.replace('[]', '')] ?? [];
  return fc.oneof(
    { weight: 3, arbitrary: validValue(dtype) },
    { weight: 2, arbitrary: edges.length > 0 ? fc.constantFrom(...edges) : junkSmall },
    { weight: 1, arbitrary: junkSmall },
  );
}

const smallInt = fc.integer({ min: 1, max: 5 });

/** `table[name]` when `name` is its own key: a fuzzed column may well be called "toString". */
function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** A key value for `key` as a request sends it: mostly from a few keys, so fuzzed pushes and reads meet. */
function keyValue(key: string, clean: boolean): fc.Arbitrary<J> {
  const dtype = own<string | undefined>(JOIN_KEYS, key) ?? own<string>(REQUEST_FIELDS, key);
  let usual: fc.Arbitrary<J> | undefined;
  if (key === 'merchant_id') usual = fc.constantFrom('m1', 'm2', 'm3');
  else if (key === 'device_id') usual = smallInt;
  else if (key === 'user_id') usual = smallInt;
  // Request fields: a float64 beyond 2^53 that is an integer is refused in entities (it lost its digits), so clean
  // ones stay in a range where every float is sent as it is.
  if (usual === undefined && clean && dtype === 'float64') return fc.double({ min: -1e9, max: 1e9, noNaN: true });
  if (usual === undefined) return dtype ? dtypeValue(dtype, clean) : junkSmall;
  const other = dtype ? dtypeValue(dtype, clean) : fc.oneof(smallInt, fc.constantFrom('d1', 'd2'), fc.boolean());
  return fc.oneof({ weight: clean ? 6 : 3, arbitrary: usual }, { weight: 1, arbitrary: other });
}

/**
 * A list per column, of one length mostly (`rows`), sometimes one value more or less. Most columns are clean (every
 * value valid for its column), a few dirty (some values at an edge or of another type), so a good share of frames
 * is valid throughout and reaches the writes, and a bad one usually has one thing wrong.
 */
function columns(names: fc.Arbitrary<string[]>, value: (name: string, clean: boolean) => fc.Arbitrary<J>): fc.Arbitrary<J> {
  return fc
    .tuple(names, fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 50, max: 600 }) }))
    .chain(([cols, rows]) =>
      fc.tuple(
        ...cols.map((name) =>
          fc
            .tuple(
              fc.oneof({ weight: 30, arbitrary: fc.constant(rows) }, { weight: 1, arbitrary: fc.constantFrom(0, rows + 1, Math.max(rows - 1, 0)) }),
              fc.oneof({ weight: 25, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
            )
            .chain(([n, clean]) =>
              // Hundreds of rows repeat one value: a long column costs the server the same, and generating it stays cheap.
              fc
                .oneof(
                  { weight: 30, arbitrary: n > 20 ? value(name, clean).map((v) => new Array<J>(n).fill(v)) : fc.array(value(name, clean), { minLength: n, maxLength: n }) },
                  { weight: 1, arbitrary: junkSmall },
                )
                .map((v) => [name, v] as const),
            ),
        ),
      ),
    )
    .map((entries) => new Obj(entries));
}

/** The columns a name set usually needs, minus a few, plus a few unknown ones. */
function columnNames(needed: readonly string[], others: readonly string[]): fc.Arbitrary<string[]> {
  return fc
    .tuple(fc.subarray([...needed], { minLength: Math.max(needed.length - 2, 0) }), fc.subarray([...others], { maxLength: Math.min(3, others.length) }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }))
    .chain(([kept, extra, random]) => fc.oneof({ weight: 6, arbitrary: fc.constant([...needed]) }, { weight: 1, arbitrary: fc.constant([...kept, ...extra, ...random]) }))
    .map((names) => [...new Set(names)]);
}

const OTHER_FEATURES: Readonly<Record<string, string>> = { pair_count: 'int64', seen: 'int32', clicks: 'int64', rate: 'float32', tags: 'string[]' };
const TIME_COLUMNS = ['event_timestamp', 'created', 'created_timestamp'];
const PUSH_COLUMNS = ['user_id', 'merchant_id', 'device_id', 'event_timestamp', 'created_timestamp', ...Object.keys(LIVE_FEATURES), 'pair_count', 'seen'];

function columnValue(name: string, clean: boolean): fc.Arbitrary<J> {
  if (Object.hasOwn(JOIN_KEYS, name)) return keyValue(name, clean);
  const dtype = TIME_COLUMNS.includes(name) ? 'timestamp' : (own<string>(LIVE_FEATURES, name) ?? own<string>(OTHER_FEATURES, name));
  return dtype ? dtypeValue(dtype, clean) : junkSmall;
}

const frame = (needed: readonly string[], others: readonly string[]): fc.Arbitrary<J> => columns(columnNames(needed, others), columnValue);

const featureRef: fc.Arbitrary<J> = mostly(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...VIEW_NAMES.flatMap((v) => (VIEWS[v] ?? []).map((f) => `${v}:${f}`))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...VIEW_NAMES, ''), fc.string({ maxLength: 6 })).map(([v, f]) => `${v}:${f}`) },
    { weight: 1, arbitrary: fc.constantFrom('live_stats', 'live_stats:', ':i64', 'a:b:c', 'live_stats__i64', 'LIVE_STATS:I64', 'live_archive:i64') },
  ),
  8,
);

const entityKeyNames = [...Object.keys(JOIN_KEYS), ...Object.keys(REQUEST_FIELDS)];

/** Views that can be read together (same entities), with the entity columns a read of them needs. */
const READ_GROUPS = [
  { views: ['live_stats', 'user_stats', 'derived'], keys: ['user_id'] },
  { views: ['live_pair'], keys: ['user_id', 'merchant_id'] },
  { views: ['live_device'], keys: ['device_id'] },
];

/** Features of one group, and the columns they need (the on-demand view's request fields too). */
const readPlan: fc.Arbitrary<{ features: string[]; keys: string[] }> = fc
  .constantFrom(...READ_GROUPS)
  .chain((group) => {
    const refs = group.views.flatMap((v) => (VIEWS[v] ?? []).map((f) => `${v}:${f}`));
    return fc.subarray(refs, { minLength: 1, maxLength: Math.min(8, refs.length) }).map((features) => ({ group, features }));
  })
  .map(({ group, features }) => ({
    features,
    keys: [...group.keys, ...(features.some((f) => f.startsWith('derived:')) ? Object.keys(REQUEST_FIELDS) : [])],
  }));

/** A service, or a list of features with the right columns, each mutated now and then. */
const onlineBody = fc
  .tuple(readPlan, fc.constantFrom(...FEATURE_SERVICES))
  .chain(([plan, service]) => {
    const byService = fc.boolean();
    return byService.chain((useService) => {
      const keys = useService ? ['user_id', ...(service === 'with_derived' ? Object.keys(REQUEST_FIELDS) : [])] : plan.keys;
      return objectOf(
        {
          features: useService
            ? optional(fc.constantFrom<J>([], null), 2)
            : optional(mostly(fc.oneof({ weight: 8, arbitrary: fc.constant(plan.features as J) }, { weight: 1, arbitrary: fc.array(featureRef, { maxLength: 8 }) }), 12, junk), 20),
          feature_service: useService ? optional(mostly(fc.constant(service), 12), 20) : rarely(fc.constantFrom('nope', '', service)),
          entities: optional(mostly(columns(columnNames(keys, entityKeyNames), keyValue), 15, junk), 20),
          full_feature_names: optional(mostly(fc.boolean()), 2),
          include_feature_view_version_metadata: optional(mostly(fc.boolean()), 2),
        },
        ['full_feature_name', 'Features', 'entites', 'feature_services', 'feature-service'],
      );
    });
  });

const pushBody = objectOf(
  {
    push_source_name: optional(mostly(fc.oneof({ weight: 8, arbitrary: fc.constant(PUSH_SOURCE) }, { weight: 1, arbitrary: fc.constantFrom('history', 'nope') }), 12, junk), 20),
    df: optional(mostly(frame(PUSH_COLUMNS, ['created', 'clicks', 'event_timestamp']), 15, junk), 20),
    to: optional(mostly(fc.constantFrom('online', 'online', 'offline', 'online_and_offline')), 2),
    allow_registry_cache: optional(mostly(fc.boolean()), 2),
    transform_on_write: optional(mostly(fc.boolean()), 2),
  },
  ['push_source', 'push_source_names', 'dfs', 'To', 'too'],
);

const writeBody = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('live_stats', 'live_pair', 'live_device', 'user_stats') }, { weight: 1, arbitrary: fc.constantFrom('live_archive', 'derived', 'nope') }).chain((view) => {
  const keys = view === 'live_pair' ? ['user_id', 'merchant_id'] : view === 'live_device' ? ['device_id'] : ['user_id'];
  return objectOf(
    {
      feature_view_name: optional(mostly(fc.constant(view), 15, junk), 20),
      df: optional(mostly(frame([...keys, 'event_timestamp', ...(VIEWS[view] ?? [])], ['created', 'created_timestamp', 'merchant_id']), 15, junk), 20),
      allow_registry_cache: optional(mostly(fc.boolean()), 2),
      transform_on_write: optional(mostly(fc.boolean()), 2),
    },
    ['feature_view', 'feature_view_names', 'dff'],
  );
});

const viewList = mostly(fc.array(mostly(fc.constantFrom(...VIEW_NAMES, 'nope'), 8), { maxLength: 4 }), 6, junk);
const pastInstant = mostly(fc.oneof(fc.integer({ min: 0, max: 400 }).chain((h) => fc.integer({ min: 0, max: 3 }).map((s) => isoAgo(h, s))), fc.constantFrom('2024-01-01', '2024-01-02T00:00:00')), 4);

const materializeBody = objectOf(
  {
    start_ts: optional(pastInstant, 8),
    end_ts: optional(pastInstant, 8),
    feature_views: optional(viewList, 3),
    disable_event_timestamp: optional(mostly(fc.boolean()), 2),
    full_feature_names: optional(mostly(fc.boolean()), 2),
    version: optional(mostly(fc.constant(null)), 2),
  },
  ['start', 'end_time', 'feature_view', 'disable_event_timestamps'],
);

const incrementalBody = objectOf(
  { end_ts: optional(pastInstant, 10), feature_views: optional(viewList, 3), full_feature_names: optional(mostly(fc.boolean()), 2), version: optional(mostly(fc.constant(null)), 2) },
  ['end', 'endts', 'feature_view'],
);

/** A query string from the parameters the routes read and some they do not. */
const query: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('wait', 'timeout', 'views', 'x'), fc.string({ maxLength: 6 })),
      fc.oneof(fc.constantFrom('true', 'false', '1', '0', '', 'maybe', '5', '3601', '-1', '1e3', 'live_stats', 'live_stats,user_stats', ',', 'nope', '%zz', '%C0%80'), fc.string({ unit: 'binary', maxLength: 10 })),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&')}`));

/** Bodies for a POST route: mostly structured, the rest unstructured or a structured body's text corrupted. */
function bodies(structured: fc.Arbitrary<J>): fc.Arbitrary<Buffer> {
  const text = structured.map(toText);
  return fc.oneof(
    { weight: 6, arbitrary: text.map((t) => Buffer.from(t, 'utf8')) },
    { weight: 2, arbitrary: unstructured },
    { weight: 2, arbitrary: text.chain(mutateText) },
  );
}

const contentType = fc.constantFrom(undefined, 'application/json', 'application/json', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x');

/** Only waiting materialize requests carry a query string (wait/timeout); the rest mostly none. */
function post(path: string, structured: fc.Arbitrary<J>): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(bodies(structured), fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: query }), contentType).map(([body, q, type]) => ({
    method: 'POST',
    target: path + q,
    body,
    ...(type ? { contentType: type } : {}),
  }));
}

const GET_PATHS = ['/health', '/ready', '/registry', '/registry/history', '/freshness', '/metrics', '/ui', '/ui/', '/ui/app.js', '/ui/app.css'];

/** Characters Node's client allows in a request target (0x21-0xFF), so the odd ones reach the server as sent. */
const pathJunk = fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 });

const getRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...GET_PATHS) },
      { weight: 1, arbitrary: pathJunk.map((p) => `/ui/${p}`) },
      { weight: 1, arbitrary: pathJunk.map((p) => `/${p}`) },
      { weight: 1, arbitrary: fc.constantFrom('/get-online-features', '/push', '/materialize', '//health', '/health/', '/HEALTH', '/ui/../registry', '/ui/%2e%2e/registry', '*') },
    ),
    query,
    fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH'),
  )
  .map(([path, q, method]) => ({ method, target: path.startsWith('/') || path === '*' ? path + q : `/${path}${q}` }));

export const ENDPOINTS: ReadonlyArray<{ name: string; requests: fc.Arbitrary<FuzzRequest> }> = [
  { name: 'get-online-features', requests: post('/get-online-features', onlineBody) },
  { name: 'push', requests: post('/push', pushBody) },
  { name: 'write-to-online-store', requests: post('/write-to-online-store', writeBody) },
  { name: 'materialize', requests: post('/materialize', materializeBody) },
  { name: 'materialize-incremental', requests: post('/materialize-incremental', incrementalBody) },
  { name: 'GET routes (paths, query strings)', requests: getRequest },
];
