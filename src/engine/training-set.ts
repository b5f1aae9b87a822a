/**
 * The result of a training-set request: a query over temp tables on its own connection. Files are written by
 * DuckDB straight from the query (streamed, spilling as needed), so a large result never passes through JS.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Table } from 'apache-arrow';
import { readerToArrow } from './arrow.js';
import { InvalidRequestError, duckdbMessage } from './errors.js';
import { literal } from './sql.js';

export type OutputFormat = 'csv' | 'parquet';

export function outputFormatOf(file: string): OutputFormat {
  if (/\.parquet$/i.test(file)) return 'parquet';
  if (/\.csv$/i.test(file)) return 'csv';
  throw new InvalidRequestError(`output ${file}: name it .csv or .parquet so the format is clear`);
}

export class TrainingSet {
  private closed = false;

  constructor(
    private readonly conn: DuckDBConnection,
    /** SELECT producing the training set in input order. */
    readonly sql: string,
    readonly columns: readonly string[],
    readonly rowCount: number,
  ) {}

  private live(): DuckDBConnection {
    if (this.closed) throw new Error('this training set was closed');
    return this.conn;
  }

  async write(file: string, format: OutputFormat = outputFormatOf(file)): Promise<void> {
    const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet';
    try {
      await this.live().run(`COPY (${this.sql}) TO ${literal(file)} (${options})`);
    } catch (err) {
      throw new InvalidRequestError(`cannot write ${file}: ${duckdbMessage(err)}`, { cause: err });
    }
  }

  toParquet(file: string): Promise<void> {
    return this.write(file, 'parquet');
  }

  toCsv(file: string): Promise<void> {
    return this.write(file, 'csv');
  }

  async toArrow(): Promise<Table> {
    return readerToArrow(await this.live().runAndReadAll(this.sql));
  }

  /** Rows as JS objects (bigint for BIGINT, Date for timestamps); for small results and tests. */
  async toRows(): Promise<Array<Record<string, unknown>>> {
    const reader = await this.live().runAndReadAll(this.sql);
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
  }
}
