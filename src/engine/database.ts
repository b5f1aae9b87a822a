/**
 * One DuckDB instance per engine, configured so large joins spill to disk instead of failing (PITFALLS: ASOF
 * memory grows with the build side) and so every timestamp is read and written as a UTC instant.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ident, literal } from './sql.js';

export interface DatabaseOptions {
  /** Worker threads for DuckDB; defaults to the machine's cores. */
  threads?: number;
  /** e.g. `4GB`; defaults to 60% of RAM, leaving room for Node and the OS. */
  memoryLimit?: string;
  /** Where joins spill; defaults to a folder under the OS temp dir. */
  tempDirectory?: string;
  /** A DuckDB file holding `table` sources, attached read-only as `offline`. */
  attach?: string;
}

export const ATTACHED_CATALOG = 'offline';

export class Database {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly attached: boolean,
  ) {}

  static async open(options: DatabaseOptions = {}): Promise<Database> {
    const tempDirectory = options.tempDirectory ?? path.join(os.tmpdir(), `featureflow-duckdb-${process.pid}`);
    mkdirSync(tempDirectory, { recursive: true });
    const memoryLimit = options.memoryLimit ?? `${Math.floor((os.totalmem() * 0.6) / 2 ** 20)}MB`;
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? os.availableParallelism()),
      memory_limit: memoryLimit,
      temp_directory: tempDirectory,
    });
    const db = new Database(instance, options.attach !== undefined);
    // Set after start-up: the TimeZone option needs the icu extension, which loads only once the instance runs.
    await db.withConnection((conn) => conn.run(`SET GLOBAL TimeZone = 'UTC'`));
    if (options.attach !== undefined) {
      await db.withConnection((conn) =>
        conn.run(`ATTACH ${literal(options.attach as string)} AS ${ident(ATTACHED_CATALOG)} (READ_ONLY)`),
      );
    }
    return db;
  }

  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Runs `fn` on a fresh connection and always closes it, whatever `fn` does. */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}
