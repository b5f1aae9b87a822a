/**
 * The result of a training-set request: a query over temp tables on its own connection. Files are written by
 * DuckDB straight from the query (streamed, spilling as needed), so a large result never passes through JS.
 *
 * The last point-in-time join is usually left inside that query rather than stored (historical.ts): storing a
 * million joined rows only to sort them back out cost ~100 ms at 1M x 10M. It then runs in the first query over the
 * set, reporting progress as its step; if that query fails, the join is stored as its own statement after all
 * (which reports its own failure as the other steps do, and takes the struct tie-break on KEY_MISFIT) and the
 * query runs again over it, so a failure reads as it did when every join was stored first.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Table } from 'apache-arrow';
import { readerToArrow } from './arrow.js';
import { InvalidRequestError, duckdbMessage } from './errors.js';
import { withProgress, type ProgressListener, type ProgressStep } from './progress.js';
import { literal } from './sql.js';

/** The last join, left inside the set's query. */
export interface DeferredJoin {
  step: ProgressStep;
  listener: ProgressListener | undefined;
  /** Stores the join as a statement of its own and returns the set's query over the stored rows. */
  store(): Promise<string>;
}

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
    private sql: string,
    readonly columns: readonly string[],
    readonly rowCount: number,
    private deferred?: DeferredJoin,
  ) {}

  private live(): DuckDBConnection {
    if (this.closed) throw new Error('this training set was closed');
    return this.conn;
  }

  /** Runs `use` with the set's query; the first use also runs the deferred join (see the top of this file). */
  private async query<T>(use: (sql: string) => Promise<T>): Promise<T> {
    const conn = this.live();
    const deferred = this.deferred;
    if (deferred === undefined) return use(this.sql);
    this.deferred = undefined;
    try {
      return await withProgress(conn, deferred.step, deferred.listener, () => use(this.sql));
    } catch {
      this.sql = await deferred.store();
      return use(this.sql);
    }
  }

  async write(file: string, format: OutputFormat = outputFormatOf(file)): Promise<void> {
    const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet';
    await this.query(async (sql) => {
      try {
        await this.live().run(`COPY (${sql}) TO ${literal(file)} (${options})`);
      } catch (err) {
        throw new InvalidRequestError(`cannot write ${file}: ${duckdbMessage(err)}`, { cause: err });
      }
    });
  }

  toParquet(file: string): Promise<void> {
    return this.write(file, 'parquet');
  }

  toCsv(file: string): Promise<void> {
    return this.write(file, 'csv');
  }

  async toArrow(): Promise<Table> {
    return this.query(async (sql) => readerToArrow(await this.live().runAndReadAll(sql)));
  }

  /** Rows as JS objects (bigint for BIGINT, Date for timestamps); for small results and tests. */
  async toRows(): Promise<Array<Record<string, unknown>>> {
    return this.query(async (sql) => (await this.live().runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
  }
}
