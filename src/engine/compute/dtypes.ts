/**
 * Registry dtypes of computed columns. The registry cannot know what `min`, `max` or `last` of a column yields
 * (that is the source column's type), so features it leaves untyped take the type DuckDB gave them in the
 * computed Parquet files.
 */
import type { Dtype, ScalarDtype } from '../../registry/dtypes.js';
import type { ViewFeature } from '../../registry/features.js';
import { InvalidRequestError } from '../errors.js';

const SCALAR_OF_DUCKDB: ReadonlyArray<[RegExp, ScalarDtype]> = [
  [/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT)$/, 'int32'],
  [/^(BIGINT|UINTEGER|UBIGINT|HUGEINT|UHUGEINT)$/, 'int64'],
  [/^(DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/, 'float64'],
  [/^(FLOAT|REAL)$/, 'float32'],
  [/^VARCHAR$/, 'string'],
  [/^BOOLEAN$/, 'bool'],
  [/^(TIMESTAMP.*|DATE)$/, 'timestamp'],
  [/^BLOB$/, 'bytes'],
];

function scalarDtype(columnType: string): ScalarDtype | undefined {
  return SCALAR_OF_DUCKDB.find(([re]) => re.test(columnType))?.[1];
}

/** `DOUBLE` -> float64, `VARCHAR[]` -> string[]; undefined for types the registry has no dtype for (structs, maps). */
export function dtypeOfDuckdbType(columnType: string): Dtype | undefined {
  const list = /^(.*)\[\]$/.exec(columnType);
  if (list) {
    const element = scalarDtype(list[1] as string);
    return element ? `${element}[]` : undefined;
  }
  return scalarDtype(columnType);
}

/** Fills in the dtypes the registry left open from the column types of the view's rows. */
export function withInferredDtypes(
  viewName: string,
  features: readonly ViewFeature[],
  columnTypes: ReadonlyMap<string, string>,
): Array<ViewFeature & { dtype: Dtype }> {
  return features.map((f) => {
    if (f.dtype !== undefined) return { ...f, dtype: f.dtype };
    const columnType = columnTypes.get(f.name);
    if (columnType === undefined) {
      throw new InvalidRequestError(
        `view "${viewName}": the computed rows have no column "${f.name}"; recompute the view after changing its definition`,
      );
    }
    const dtype = dtypeOfDuckdbType(columnType);
    if (dtype === undefined) {
      throw new InvalidRequestError(`view "${viewName}": feature "${f.name}" has type ${columnType}, which no registry dtype can hold`);
    }
    return { ...f, dtype };
  });
}
