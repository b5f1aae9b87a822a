/**
 * Request generators per endpoint for the body fuzzer. Each mixes three kinds of input: (a) arbitrary JSON and
 * values, (b) requests shaped like Feast's with fields mutated (wrong types, edge numbers, NaN tokens, deep
 * nesting, long and odd strings, duplicate keys, empty lists, nulls), mostly valid so they get past the first
 * check and into the deeper ones, and (c) raw bytes and truncated or corrupted JSON. Names come from the fuzz repo,
 * and entity keys from a small set, so fuzzed pushes land on keys fuzzed reads then find.
 */
import fc from 'fast-check';
import { columnNames, columns, frame, isoAgo, keyValue, PUSH_COLUMNS } from './fuzz-frames.js';
import { FEATURE_SERVICES, JOIN_KEYS, PUSH_SOURCE, REQUEST_FIELDS, VIEWS } from './fuzz-repo.js';
import { junk, mostly, mutateText, objectOf, optional, rarely, toText, unstructured, type J } from './fuzz-json.js';

export interface FuzzRequest {
  method: string;
  /** Path and query string. */
  target: string;
  body?: Buffer;
  contentType?: string;
  /** Sent with Transfer-Encoding: chunked (no Content-Length), split in two at this byte. */
  chunkedAt?: number;
}

const VIEW_NAMES = Object.keys(VIEWS);

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
  { views: ['live_stats', 'user_stats', 'derived', 'live_odd'], keys: ['user_id'] },
  { views: ['live_pair'], keys: ['user_id', 'merchant_id'] },
  { views: ['live_device'], keys: ['device_id'] },
];

/** Features of one group, and the columns they need (the on-demand view's request fields too). */
const readPlan: fc.Arbitrary<{ features: string[]; keys: string[] }> = fc
  .constantFrom(...READ_GROUPS)
  // Views first, then features of those views: a view with two features is read as often as one with twelve.
  .chain((group) => fc.tuple(fc.constant(group), fc.subarray(group.views, { minLength: 1 })))
  .chain(([group, views]) => {
    const refs = views.flatMap((v) => (VIEWS[v] ?? []).map((f) => `${v}:${f}`));
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

const writeBody = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('live_stats', 'live_pair', 'live_device', 'user_stats', 'live_odd') }, { weight: 1, arbitrary: fc.constantFrom('live_archive', 'derived', 'nope') }).chain((view) => {
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

/** A POST, sometimes with a query string (/materialize* read wait and timeout), sometimes sent chunked. */
function post(path: string, structured: fc.Arbitrary<J>): fc.Arbitrary<FuzzRequest> {
  const chunkedAt = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() });
  return fc.tuple(bodies(structured), fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: query }), contentType, chunkedAt).map(([body, q, type, at]) => ({
    method: 'POST',
    target: path + q,
    body,
    ...(type ? { contentType: type } : {}),
    ...(at !== undefined ? { chunkedAt: at % (body.length + 1) } : {}),
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
    fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'POST', 'PUT'),
    // A body where none is read: the server must still answer, and keep the connection usable or close it.
    fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: unstructured }),
  )
  .map(([path, q, method, body]) => ({
    method,
    target: path.startsWith('/') || path === '*' ? path + q : `/${path}${q}`,
    ...(body && method !== 'HEAD' && method !== 'GET' ? { body } : {}),
  }));

export const ENDPOINTS: ReadonlyArray<{ name: string; requests: fc.Arbitrary<FuzzRequest> }> = [
  { name: 'get-online-features', requests: post('/get-online-features', onlineBody) },
  { name: 'push', requests: post('/push', pushBody) },
  { name: 'write-to-online-store', requests: post('/write-to-online-store', writeBody) },
  { name: 'materialize', requests: post('/materialize', materializeBody) },
  { name: 'materialize-incremental', requests: post('/materialize-incremental', incrementalBody) },
  { name: 'GET routes (paths, methods, query strings)', requests: getRequest },
];
