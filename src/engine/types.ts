/** Mapping between registry dtypes and DuckDB column types. */
import { elementDtype, isListDtype, type Dtype, type ScalarDtype } from '../registry/dtypes.js';

const SCALAR_SQL: Record<ScalarDtype, string> = {
  int32: 'INTEGER',
  int64: 'BIGINT',
  float32: 'FLOAT',
  float64: 'DOUBLE',
  string: 'VARCHAR',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  bytes: 'BLOB',
};

export function duckdbType(dtype: Dtype): string {
  const scalar = SCALAR_SQL[elementDtype(dtype)];
  return isListDtype(dtype) ? `${scalar}[]` : scalar;
}
