/**
 * JSON *text* for the body fuzzer. Bodies are built as a small tree and written out by hand rather than with
 * JSON.stringify, because the interesting inputs are the ones JSON.stringify can never produce: duplicate keys,
 * bare NaN / Infinity tokens (Python's json.dumps), integer literals beyond 2^53 and beyond int64, `-0`, `1e400`,
 * nesting deeper than any recursive walker's stack. Then the text itself is mutated: truncated, bytes flipped,
 * invalid UTF-8 spliced in, a BOM in front.
 */
import fc from 'fast-check';

/** Text written out verbatim (a token or a fragment JSON.stringify cannot produce). */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object as an ordered list of entries, so a key may appear twice. */
export class Obj {
  constructor(readonly entries: ReadonlyArray<readonly [string, J]>) {}
}

export type J = null | boolean | number | string | Raw | Obj | readonly J[];

/** Past this, a body is cut off (a 413 the server must answer just as well); it keeps generation cheap. */
const MAX_TEXT = 1_200_000;

/** The JSON text of `value`, cut at MAX_TEXT characters. */
export function toText(value: J): string {
  const parts: string[] = [];
  let size = 0;
  const push = (text: string): void => {
    if (size > MAX_TEXT) return;
    parts.push(text);
    size += text.length;
  };
  write(value, push);
  const text = parts.join('');
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

function write(value: J, push: (text: string) => void): void {
  if (value instanceof Obj) {
    push('{');
    value.entries.forEach(([k, v], i) => {
      push(`${i === 0 ? '' : ','}${JSON.stringify(k)}:`);
      write(v, push);
    });
    push('}');
  } else if (Array.isArray(value)) {
    push('[');
    (value as readonly J[]).forEach((v, i) => {
      if (i > 0) push(',');
      write(v, push);
    });
    push(']');
  } else {
    push(scalarText(value as Exclude<J, Obj | readonly J[]>));
  }
}

function scalarText(value: Exclude<J, Obj | readonly J[]>): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return value.text;
}

/** Number literals at and past every edge the parsers have: 2^53, int32, int64, float32, double overflow. */
const NUMBER_TEXTS = [
  '9007199254740992', '9007199254740993', '-9007199254740993', '9223372036854775807', '9223372036854775808',
  '-9223372036854775808', '-9223372036854775809', '18446744073709551616', '123456789012345678901234567890',
  '2147483647', '2147483648', '-2147483649', '3.4028235e38', '3.5e38', '1e308', '1e400', '-1e400', '1e-400',
  '4.9e-324', '1e21', '1.0', '1.5', '-0', '-0.0', '0e0', '1E+2', '12345678901234567890.5', '1e16', '99999999999999999999e-2',
  'NaN', 'Infinity', '-Infinity',
];

/** Strings that mean something somewhere: prototype keys, Feast's NaT, special floats, refs, dates at the edges. */
const STRINGS = [
  '', ' ', 'NaN', 'NaT', 'Infinity', '-Infinity', 'nan', 'null', 'true', '__proto__', 'constructor', 'prototype',
  'toString', 'hasOwnProperty', 'valueOf', '\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', 'Ω≈ç√', '🙂', 'e\u0301',
  'live', 'live_stats', 'live_stats:i64', 'derived:ratio', 'user_stats:clicks', ':', '::', 'a:b:c', 'fraud_v1', '0', '-1',
  '1e3', '0x10', '2024-01-01', '2024-01-01T00:00:00', '2024-02-30T00:00:00Z', '2024-13-01', '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '+010000-01-01T00:00:00Z', '1970-01-01',
  '2024-01-01T00:00:00+25:00', '2024-01-01T24:00:00', '2024-01-01 00:00:00.1234567890123', 'AAAA', 'AA=', '====', '%00',
  '../../../etc/passwd', "'; DROP TABLE x; --", '${x}', '<script>', '\\', '"',
];

/** A long string: repeated or random, up to ~300 KB (the body limit is 1 MiB). */
const longString = fc.oneof(
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), fc.integer({ min: 1000, max: 30_000 })).map(([s, n]) => s.repeat(n)),
  fc.string({ unit: 'binary', minLength: 500, maxLength: 5000 }),
);

/** Nesting far deeper than a recursive walker survives, still well under the body limit. */
const deep: fc.Arbitrary<J> = fc.tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom('[', '{"a":', '[{"x":')).map(([n, open]) => {
  const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
  return new Raw(open.repeat(n) + (open === '[' ? '' : '1') + close.repeat(n));
});

/** Many elements at once. */
const wide: fc.Arbitrary<J> = fc.tuple(fc.integer({ min: 1000, max: 60_000 }), fc.constantFrom('1', 'null', '"x"', '[]', '{}', '1.5', 'NaN')).map(
  ([n, item]) => new Raw(`[${new Array<string>(n).fill(item).join(',')}]`),
);

/** A scalar that is wrong for nearly every field. */
export const junkScalar: fc.Arbitrary<J> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(...NUMBER_TEXTS).map((t) => new Raw(t)),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }).map((b) => new Raw(b.toString())),
  fc.constantFrom(...STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/** Any small value, scalar or structured: what a wrong element of a list or a wrong cell of a column looks like. */
export const junkSmall: fc.Arbitrary<J> = fc.letrec<{ value: J }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 8, arbitrary: junkScalar },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...STRINGS), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 3 }).map((e) => new Obj(e)) },
    { weight: 1, arbitrary: fc.constant([] as J[]) },
    { weight: 1, arbitrary: fc.constant(new Obj([])) },
  ),
})).value;

/** Any value, also the big ones (long strings, deep nesting, wide lists): what a wrong top-level field may be. */
export const junk: fc.Arbitrary<J> = fc.oneof(
  { weight: 12, arbitrary: junkSmall },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: wide },
);

/** Mostly `good`, sometimes something else (small by default). */
export function mostly<T extends J>(good: fc.Arbitrary<T>, goodWeight = 12, bad: fc.Arbitrary<J> = junkSmall): fc.Arbitrary<J> {
  return fc.oneof({ weight: goodWeight, arbitrary: good as fc.Arbitrary<J> }, { weight: 1, arbitrary: bad });
}

/**
 * An object from optional fields (a field is left out when its arbitrary gives undefined), in a shuffled order,
 * sometimes with a field repeated (JSON.parse keeps the last) and sometimes with extra unknown or misspelt fields.
 */
export function objectOf(fields: Record<string, fc.Arbitrary<J | undefined>>, extraNames: readonly string[]): fc.Arbitrary<J> {
  const names = Object.keys(fields);
  return fc
    .tuple(
      fc.tuple(...names.map((n) => fields[n] as fc.Arbitrary<J | undefined>)),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant([] as Array<[string, J]>) },
        { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...extraNames, ...names), fc.string({ maxLength: 12 })), junkSmall), { minLength: 1, maxLength: 2 }) },
      ),
      fc.array(fc.nat(), { maxLength: names.length }),
    )
    .map(([values, extra, order]) => {
      const entries: Array<readonly [string, J]> = [];
      names.forEach((n, i) => {
        const v = values[i];
        if (v !== undefined) entries.push([n, v]);
      });
      // A cheap deterministic shuffle: each number swaps two entries.
      order.forEach((k, i) => {
        const a = i % Math.max(entries.length, 1);
        const b = k % Math.max(entries.length, 1);
        [entries[a], entries[b]] = [entries[b] as readonly [string, J], entries[a] as readonly [string, J]];
      });
      return new Obj([...entries.filter((e) => e !== undefined), ...extra]);
    });
}

/** The field left out, or (one time in `presentOneIn`) there: for fields a valid request does not have. */
export function rarely(arb: fc.Arbitrary<J>, presentOneIn = 10): fc.Arbitrary<J | undefined> {
  return fc.oneof({ weight: presentOneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** The field, or (one time in `absentOneIn`) left out. */
export function optional(arb: fc.Arbitrary<J>, absentOneIn = 5): fc.Arbitrary<J | undefined> {
  return fc.oneof({ weight: absentOneIn - 1, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(undefined) });
}

/** UTF-8 sequences that are not UTF-8: a lone continuation, an overlong NUL, an encoded surrogate, 0xFF. */
const BAD_UTF8 = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];

/** The bytes of `text` after one mutation of the text itself: the (c) class of inputs. */
export function mutateText(text: string): fc.Arbitrary<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const at = fc.nat({ max: Math.max(bytes.length, 1) });
  return fc.oneof(
    at.map((i) => bytes.subarray(0, i)),
    fc.tuple(at, fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[Math.min(i, copy.length - 1)] = b;
      return copy;
    }),
    fc.tuple(at, fc.constantFrom(...BAD_UTF8)).map(([i, bad]) => Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)])),
    fc.constantFrom('\ufeff', ' \n\t', '\u0000', ')]}\'\n').map((p) => Buffer.concat([Buffer.from(p, 'utf8'), bytes])),
    fc.constantFrom(',', ']', '}', '{}', ' garbage', '\u0000').map((s) => Buffer.concat([bytes, Buffer.from(s, 'utf8')])),
    at.map((i) => Buffer.concat([bytes.subarray(0, i), bytes.subarray(i), bytes.subarray(0, i)])),
  );
}

/** (a) and (c) inputs that know nothing about the endpoint: arbitrary JSON, arbitrary values, arbitrary bytes. */
export const unstructured: fc.Arbitrary<Buffer> = fc.oneof(
  fc.json().map((t) => Buffer.from(t, 'utf8')),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
  fc.anything({ withBigInt: false, withMap: false, withSet: false }).map((v) => Buffer.from(safeStringify(v), 'utf8')),
  junk.map((v) => Buffer.from(toText(v), 'utf8')),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
  fc.constantFrom('', ' ', 'null', '[]', '{}', '""', '0', 'true', '{"a":1,}', '{a:1}', "{'a':1}", '[1,2', '{"', 'NaN', '-').map((s) => Buffer.from(s)),
);

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
