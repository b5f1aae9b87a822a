/**
 * Values and data frames for the body fuzzer: values of each dtype (valid ones from the whole range, and the edges
 * and wrong types a dirty cell gets), entity keys drawn mostly from a few values so fuzzed pushes and reads meet, and
 * column -> values objects in which most columns are clean.
 */
import fc from 'fast-check';
import { JOIN_KEYS, LIVE_FEATURES, REQUEST_FIELDS } from './fuzz-repo.js';
import { junkSmall, Obj, Raw, type J } from './fuzz-json.js';

const HOUR_MS = 3_600_000;
/** Fixed at load, so a seed gives the same bodies for the whole run (and for a shrinking rerun). */
export const NOW_MS = Date.now();

export const isoAgo = (hours: number, style: number): string => {
  const iso = new Date(NOW_MS - hours * HOUR_MS).toISOString();
  return style === 0 ? iso : style === 1 ? iso.replace('Z', '') : style === 2 ? iso.replace('Z', '+02:00') : iso.slice(0, 10);
};

/** A valid instant: recent (within the views' TTL, so rows are written), in the forms clients send. */
const recentInstant: fc.Arbitrary<J> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })).map(([h, s]) => isoAgo(h, s)),
  fc.integer({ min: 0, max: 40 }).map((h) => Math.floor((NOW_MS - h * HOUR_MS) / 1000)),
  // Fractional epoch seconds; a plain fc.double would mostly give tiny ones (1970), which newer-wins skips.
  fc.integer({ min: NOW_MS - 40 * HOUR_MS, max: NOW_MS }).map((ms) => ms / 1000),
);

/** Values at or past the edges of each dtype (and of other types), for the mutated cells. */
const EDGES: Readonly<Record<string, readonly J[]>> = {
  int32: [2 ** 31, -(2 ** 31) - 1, '7', 1.5, -0, 2 ** 53],
  int64: [new Raw('9223372036854775808'), '9223372036854775808', new Raw('-9223372036854775809'), 2 ** 60, 1.5, '12a', '', '-0', new Raw('1e3')],
  float32: ['NaN', 'Infinity', '-Infinity', 3.5e38, new Raw('1e400'), '1.5', Number.NaN, Number.POSITIVE_INFINITY, new Raw('4.9e-324')],
  float64: ['NaN', 'Infinity', '-Infinity', new Raw('1e400'), '1.5', Number.NaN, Number.NEGATIVE_INFINITY, 'nan'],
  string: [1, true, '\u0000', '\ud800', 'x'.repeat(5000)],
  bool: [0, 1, 'true', 'false'],
  timestamp: ['NaT', null, 1e-300, 4.9e-324, NOW_MS, NOW_MS * 1000, -1, 0, 8.64e12, 8.64e12 + 1, 8.64e15, 1e300, -1.797693134862316e302, '2099-01-01T00:00:00', '1677-09-21T00:12:43.145224192', '2024-02-30T00:00:00', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '2024-01-01T00:00:00+99:00'],
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
export function keyValue(key: string, clean: boolean): fc.Arbitrary<J> {
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
export function columns(names: fc.Arbitrary<string[]>, value: (name: string, clean: boolean) => fc.Arbitrary<J>): fc.Arbitrary<J> {
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

/** Column names no view reads, some of them properties every JS object inherits. */
const strangeNames = fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '')), { maxLength: 2 });

/** The columns a frame needs; sometimes one left out (the case each check must catch alone), or more changed. */
export function columnNames(needed: readonly string[], others: readonly string[]): fc.Arbitrary<string[]> {
  const extra = fc.subarray([...others], { maxLength: Math.min(3, others.length) });
  return fc
    .oneof(
      { weight: 12, arbitrary: fc.constant([...needed]) },
      { weight: 2, arbitrary: fc.nat({ max: Math.max(needed.length - 1, 0) }).map((i) => needed.filter((_, k) => k !== i)) },
      { weight: 1, arbitrary: fc.tuple(extra, strangeNames).map(([e, r]) => [...needed, ...e, ...r]) },
      { weight: 1, arbitrary: fc.tuple(fc.subarray([...needed], { minLength: Math.max(needed.length - 2, 0) }), extra, strangeNames).map(([k, e, r]) => [...k, ...e, ...r]) },
    )
    .map((names) => [...new Set(names)]);
}

const OTHER_FEATURES: Readonly<Record<string, string>> = {
  pair_count: 'int64',
  seen: 'int32',
  clicks: 'int64',
  rate: 'float32',
  tags: 'string[]',
  toString: 'int64',
  constructor: 'string',
};
const TIME_COLUMNS = ['event_timestamp', 'created', 'created_timestamp'];
export const PUSH_COLUMNS = ['user_id', 'merchant_id', 'device_id', 'event_timestamp', 'created_timestamp', ...Object.keys(LIVE_FEATURES), 'pair_count', 'seen', 'toString', 'constructor'];

function columnValue(name: string, clean: boolean): fc.Arbitrary<J> {
  if (Object.hasOwn(JOIN_KEYS, name)) return keyValue(name, clean);
  const dtype = TIME_COLUMNS.includes(name) ? 'timestamp' : (own<string>(LIVE_FEATURES, name) ?? own<string>(OTHER_FEATURES, name));
  return dtype ? dtypeValue(dtype, clean) : junkSmall;
}

export const frame = (needed: readonly string[], others: readonly string[]): fc.Arbitrary<J> => columns(columnNames(needed, others), columnValue);
