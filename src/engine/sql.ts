/**
 * The one place that turns names and values into SQL text. Everything user-supplied that ends up in a statement
 * (paths, column and table names, literals) goes through these helpers, never string concatenation elsewhere.
 */

/** Quotes an identifier: `user id` -> `"user id"`, doubling embedded quotes. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a possibly qualified name (`schema.table`), quoting each part. */
export function qualifiedIdent(name: string): string {
  return name.split('.').map(ident).join('.');
}

/** Quotes a string literal: `it's` -> `'it''s'`. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A literal list for functions that take several paths, e.g. read_parquet(['a', 'b']). */
export function literalList(values: readonly string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}

/** A whole number safe to splice (seconds, limits); rejects anything else so callers cannot inject through it. */
export function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`expected a safe integer, got ${value}`);
  return String(value);
}

/**
 * A DuckDB expression written by a repo's author (an aggregation's column or filter), parenthesised so it binds as
 * one operand wherever it is spliced. sql-guard.ts checks beforehand that the text is exactly one expression (it
 * cannot close this parenthesis); DuckDB's binder reports what else is wrong with it.
 */
export function expression(text: string): string {
  return `(${text})`;
}
