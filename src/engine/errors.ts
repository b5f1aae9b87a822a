import { FeatureflowError } from '../registry/errors.js';

/** The request cannot work as asked (missing entity column, name clash, bad input file): not retryable. */
export class InvalidRequestError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_REQUEST', message, options);
  }
}

/** A source could not be read or a query over it failed; carries which source and DuckDB's own message. */
export class SourceError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super('SOURCE_ERROR', message, options);
  }
}

/** Errors about names in our own SQL (columns, tables, functions, syntax): nothing in them comes from a file. */
const NAME_ERRORS = new Set(['Binder', 'Catalog', 'Parser']);

/**
 * DuckDB's error, reduced to what cannot carry a file's content: its first line only (later lines hold the
 * "Candidate bindings", CSV lines and query excerpts), and quoted text replaced unless the error is about names in
 * our own SQL. A CSV source whose header is `root:x:0:0:...` must not be echoed back through an error; callers name
 * the source or path themselves.
 */
export function duckdbMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = (text.split('\n')[0] ?? '').trim();
  const type = /^([A-Za-z ]+?) Error:/.exec(first)?.[1];
  if (type !== undefined && NAME_ERRORS.has(type)) return first;
  return first.replace(/"[^"]*"|'[^']*'/g, '"…"').replace(/(Original Line|Line|value)\s*:.*$/i, '$1: …');
}

/** What kind of problem reading a source hit, in words, without DuckDB's excerpt of the data. */
export function sourceReadProblem(err: unknown): string {
  const message = duckdbMessage(err);
  if (/^Permission Error/.test(message)) return 'the engine may not read this path (outside the repo\'s data roots)';
  if (/No files found|No such file|Cannot open file/i.test(message)) return 'no file matches the path';
  if (/magic bytes|not a parquet file|Parquet/i.test(message)) return 'the file is not a readable Parquet file';
  if (/sniff|CSV/i.test(message)) return 'the file is not a readable CSV file (check its delimiter, header and types)';
  return message;
}
