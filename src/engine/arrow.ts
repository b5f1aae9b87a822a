/**
 * DuckDB result -> Apache Arrow table, column by column with explicit Arrow types, so int64 stays bigint and
 * timestamps keep their UTC zone. Only for results that fit in memory; files are written by DuckDB directly.
 */
import {
  Binary,
  Bool,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  Field as ArrowField,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { DuckDBTypeId, type DuckDBResultReader, type DuckDBType } from '@duckdb/node-api';

function arrowType(type: DuckDBType): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
      return new Int32();
    case DuckDBTypeId.BIGINT:
      return new Int64();
    case DuckDBTypeId.FLOAT:
      return new Float32();
    case DuckDBTypeId.DOUBLE:
      return new Float64();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.DATE:
      return new TimestampMillisecond('UTC');
    case DuckDBTypeId.BLOB:
      return new Binary();
    case DuckDBTypeId.LIST:
      return new List(new ArrowField('item', arrowType(type.valueType), true));
    default:
      return new Utf8();
  }
}

function toArrowValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (type instanceof Utf8 && typeof value !== 'string') return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  if (type instanceof Int32 || type instanceof Float32 || type instanceof Float64) return Number(value);
  if (type instanceof Int64) return typeof value === 'bigint' ? value : BigInt(value as number);
  if (type instanceof List && Array.isArray(value)) return value.map((v) => toArrowValue(v, type.children[0]!.type));
  return value;
}

export function readerToArrow(reader: DuckDBResultReader): Table {
  const names = reader.columnNames();
  const columns = reader.getColumnsJS();
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    const type = arrowType(reader.columnType(i));
    const values = (columns[i] ?? []).map((v) => toArrowValue(v, type));
    vectors[name] = vectorFromArray(values, type);
  });
  return new Table(vectors);
}
