/**
 * SQL expressions that encode values the way the online store stores them (src/online/types.ts): entity keys
 * (`i12`, `sabc`, `h<hex>`, ...) and each feature value as a JSON fragment in the form the HTTP API returns. DuckDB
 * builds these strings in C++ across its threads, which keeps encoding off Node's single thread, the bottleneck
 * of naive Redis loaders (PITFALLS: Feast issue 1969).
 */
import { elementDtype, isListDtype, type Dtype, type ScalarDtype } from '../registry/dtypes.js';
import { InvalidRequestError } from './errors.js';
import { duckdbType } from './types.js';

const MAX_SAFE = '9007199254740991';

function scalarFragment(x: string, dtype: ScalarDtype): string {
  switch (dtype) {
    case 'int32':
      return `CAST(${x} AS VARCHAR)`;
    case 'int64':
      return `CASE WHEN ${x} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE} THEN CAST(${x} AS VARCHAR) ELSE '"' || CAST(${x} AS VARCHAR) || '"' END`;
    case 'float32':
    case 'float64':
      // JSON has no NaN or infinities; the API returns them as strings.
      return `CASE WHEN isnan(${x}) THEN '"NaN"' WHEN isinf(${x}) THEN (CASE WHEN ${x} > 0 THEN '"Infinity"' ELSE '"-Infinity"' END) ELSE CAST(${x} AS VARCHAR) END`;
    case 'string':
      return `CAST(to_json(${x}) AS VARCHAR)`;
    case 'bool':
      return `CASE WHEN ${x} THEN 'true' ELSE 'false' END`;
    case 'timestamp':
      return `'"' || strftime(${x}, '%Y-%m-%dT%H:%M:%S.%fZ') || '"'`;
    case 'bytes':
      return `'"' || base64(${x}) || '"'`;
  }
}

/** JSON text of one value of `dtype`; `null` for SQL NULL. `x` must already have the dtype's DuckDB type. */
export function jsonFragment(x: string, dtype: Dtype): string {
  const scalar = elementDtype(dtype);
  if (!isListDtype(dtype)) return `coalesce(${scalarFragment(x, scalar)}, 'null')`;
  const element = `coalesce(${scalarFragment('__v', scalar)}, 'null')`;
  return `CASE WHEN ${x} IS NULL THEN 'null' ELSE '[' || array_to_string(list_transform(${x}, __v -> ${element}), ',') || ']' END`;
}

/** JSON array text of the features, in order; each cast to its declared dtype first. */
export function payloadExpr(columns: ReadonlyArray<{ expr: string; dtype: Dtype }>): string {
  const parts = columns.map((c) => jsonFragment(`CAST(${c.expr} AS ${duckdbType(c.dtype)})`, c.dtype));
  // concat() builds the text in one allocation; a chain of || allocates once per operator (every part is non-NULL).
  return parts.length === 0 ? `'[]'` : `concat('[', ${parts.join(`, ',', `)}, ']')`;
}

const INTEGER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;

/**
 * Encoded entity key of one join key value. `declared` (the entity's valueType) wins over the column's type;
 * NULL keys give NULL (such rows cannot be served and are left out).
 */
export function entityKeyPart(x: string, columnType: string, declared: Dtype | undefined, name: string): string {
  const kind = declared ? keyKindOfDtype(declared, name) : keyKindOfColumn(columnType, name);
  switch (kind) {
    case 'int':
      return `'i' || CAST(CAST(${x} AS HUGEINT) AS VARCHAR)`;
    case 'string':
      return `CASE WHEN regexp_full_match(CAST(${x} AS VARCHAR), '[A-Za-z0-9_.\\-]*') THEN 's' || CAST(${x} AS VARCHAR) ELSE 'h' || lower(hex(encode(CAST(${x} AS VARCHAR)))) END`;
    case 'bool':
      return `CASE WHEN CAST(${x} AS BOOLEAN) THEN 'b1' ELSE 'b0' END`;
    case 'timestamp':
      return `'t' || CAST(epoch_us(CAST(${x} AS TIMESTAMPTZ)) AS VARCHAR)`;
    case 'bytes':
      return `'x' || lower(hex(CAST(${x} AS BLOB)))`;
  }
}

type KeyKind = 'int' | 'string' | 'bool' | 'timestamp' | 'bytes';

function keyKindOfDtype(dtype: Dtype, name: string): KeyKind {
  if (isListDtype(dtype)) throw new InvalidRequestError(`join key "${name}": list types cannot be entity keys`);
  const scalar = elementDtype(dtype);
  if (scalar === 'int32' || scalar === 'int64') return 'int';
  if (scalar === 'float32' || scalar === 'float64') {
    throw new InvalidRequestError(`join key "${name}": floating-point entity keys are not supported (equality on floats is unreliable)`);
  }
  return scalar;
}

function keyKindOfColumn(columnType: string, name: string): KeyKind {
  if (INTEGER_TYPE.test(columnType)) return 'int';
  if (columnType === 'VARCHAR') return 'string';
  if (columnType === 'BOOLEAN') return 'bool';
  if (columnType.startsWith('TIMESTAMP') || columnType === 'DATE') return 'timestamp';
  if (columnType === 'BLOB') return 'bytes';
  throw new InvalidRequestError(
    `join key "${name}" has type ${columnType}; entity keys must be integers, strings, booleans, timestamps or bytes`,
  );
}
