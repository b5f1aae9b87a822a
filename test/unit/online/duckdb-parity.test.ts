// Materialization encodes entity keys and payloads in DuckDB SQL (engine/json-encoding.ts); the API reads them with
// the JS codecs here. Keys must match byte for byte (else reads miss), payloads must parse to the same JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/engine/database.js';
import { entityKeyPart, payloadExpr } from '../../../src/engine/json-encoding.js';
import type { Dtype } from '../../../src/registry/dtypes.js';
import { encodeEntityKey } from '../../../src/online/keys.js';
import { encodeValue } from '../../../src/online/value-codec.js';

let db: Database;

async function scalar(sql: string): Promise<unknown> {
  return db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(`SELECT ${sql} AS v`);
    return reader.getRowObjectsJS()[0]?.v;
  });
}

beforeAll(async () => {
  db = await Database.open({ threads: 1, memoryLimit: '256MB' });
});
afterAll(() => db?.close());

// [SQL expression, its column type, declared key type, the same value in JS]
const KEYS: Array<[string, string, Dtype | undefined, unknown]> = [
  ['CAST(42 AS BIGINT)', 'BIGINT', 'int64', 42],
  ['CAST(-7 AS BIGINT)', 'BIGINT', 'int64', '-7'],
  ['CAST(9223372036854775807 AS BIGINT)', 'BIGINT', 'int64', 9223372036854775807n],
  ['CAST(12 AS INTEGER)', 'INTEGER', undefined, 12],
  ['CAST(12 AS INTEGER)', 'INTEGER', 'int32', '12'],
  ["'abc_1.2-x'", 'VARCHAR', 'string', 'abc_1.2-x'],
  ["'a b,c}d'", 'VARCHAR', undefined, 'a b,c}d'],
  ["'é👋'", 'VARCHAR', 'string', 'é👋'],
  ["''", 'VARCHAR', 'string', ''],
  ['true', 'BOOLEAN', 'bool', true],
  ['false', 'BOOLEAN', undefined, false],
  ["TIMESTAMPTZ '2024-05-01 10:00:00.000001+00'", 'TIMESTAMP WITH TIME ZONE', 'timestamp', '2024-05-01T10:00:00.000001Z'],
  ["TIMESTAMPTZ '1969-12-31 23:59:59.5+00'", 'TIMESTAMP WITH TIME ZONE', undefined, new Date('1969-12-31T23:59:59.500Z')],
  ["unhex('00ff10')", 'BLOB', 'bytes', new Uint8Array([0, 255, 16])],
];

// [dtype, SQL expression, the same value in JS]
const VALUES: Array<[Dtype, string, unknown]> = [
  ['int32', '-2147483648', -2147483648],
  ['int64', '9007199254740991', 9007199254740991n],
  ['int64', '9007199254740992', 9007199254740992n],
  ['int64', '-9223372036854775808', -9223372036854775808n],
  ['float64', '0.1', 0.1],
  ['float64', '1.0', 1],
  ['float64', '1e21', 1e21],
  ['float64', '-1.5e-7', -1.5e-7],
  ['float64', "'NaN'", NaN],
  ['float64', "'inf'", Infinity],
  ['float64', "'-inf'", -Infinity],
  ['float32', '0.1', 0.1],
  ['float32', '3.4028235e38', 3.4028235e38],
  ['float32', '16777217', 16777216],
  ['string', `'say "hi" \\ é👋' || chr(10) || chr(1)`, 'say "hi" \\ é👋\n\u0001'],
  ['bool', 'true', true],
  ['timestamp', "TIMESTAMPTZ '2024-05-01 12:00:00.123456+02'", '2024-05-01T10:00:00.123456Z'],
  ['timestamp', "TIMESTAMPTZ '1969-12-31 23:59:59.5+00'", new Date('1969-12-31T23:59:59.500Z')],
  ['bytes', "unhex('0001feff')", new Uint8Array([0, 1, 254, 255])],
  ['float32[]', '[0.1, NULL, 2.5]', [0.1, null, 2.5]],
  ['int64[]', '[1, NULL, 1152921504606846976]', [1n, null, 2n ** 60n]],
  ['string[]', "['a', NULL, 'ü,\"']", ['a', null, 'ü,"']],
  ['int32[]', 'CAST([] AS INTEGER[])', []],
  ['bool[]', 'NULL', null],
  ['int64', 'NULL', null],
];

describe('DuckDB and JS encoders agree', () => {
  it.each(KEYS)('entity key %s', async (sql, columnType, declared, js) => {
    const fromDuckdb = await scalar(entityKeyPart(sql, columnType, declared, 'k'));
    expect(fromDuckdb).toBe(encodeEntityKey([js], [declared], ['k']));
  });

  it('composite entity keys', async () => {
    const parts = [entityKeyPart('CAST(1 AS BIGINT)', 'BIGINT', 'int64', 'a'), entityKeyPart("'x y'", 'VARCHAR', 'string', 'b')];
    expect(await scalar(parts.join(` || ',' || `))).toBe(encodeEntityKey([1, 'x y'], ['int64', 'string'], ['a', 'b']));
  });

  it.each(VALUES)('payload %s %s', async (dtype, sql, js) => {
    const fromDuckdb = (await scalar(payloadExpr([{ expr: sql, dtype }]))) as string;
    expect(JSON.parse(fromDuckdb)).toEqual([encodeValue(js, dtype)]);
  });
});
